// A call's pictures as the desktop's frame socket sends them (confer_core::frames): a 12-byte
// header (stream u8, 3 bytes zero, width u16 LE, height u16 LE, sequence u32 LE), then the I420
// planes tightly packed: Y (w×h), U and V ((w/2)×(h/2) each). They are drawn on a <canvas> with
// WebGL (the planes uploaded as LUMINANCE textures, turned into RGB by a fragment shader), or,
// where WebGL is not available, converted on the CPU and put on a 2D canvas.

/** The bytes before the planes. */
export const HEADER_BYTES = 12;

/** The streams of the socket. */
export const REMOTE = 0;
export const SELF = 1;

/** One frame, its planes as views into the message (no copy). */
export interface I420Frame {
  /** 0: the other side's video, 1: this side's camera. */
  stream: number;
  width: number;
  height: number;
  sequence: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** The sides of the chroma planes (half the picture's, rounded down as the core packs them). */
export function chromaSize(width: number, height: number): [number, number] {
  return [width >> 1, height >> 1];
}

/** The bytes a frame of this size takes after its header. */
export function i420Length(width: number, height: number): number {
  const [cw, ch] = chromaSize(width, height);
  return width * height + 2 * cw * ch;
}

/** Reads one socket message; null when it is not a whole frame (too short, empty picture). */
export function parseFrame(data: ArrayBuffer | Uint8Array): I420Frame | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stream = view.getUint8(0);
  const width = view.getUint16(4, true);
  const height = view.getUint16(6, true);
  const sequence = view.getUint32(8, true);
  if (width === 0 || height === 0) return null;
  if (bytes.length < HEADER_BYTES + i420Length(width, height)) return null;
  const [cw, ch] = chromaSize(width, height);
  const ySize = width * height;
  const cSize = cw * ch;
  const at = HEADER_BYTES;
  return {
    stream,
    width,
    height,
    sequence,
    y: bytes.subarray(at, at + ySize),
    u: bytes.subarray(at + ySize, at + ySize + cSize),
    v: bytes.subarray(at + ySize + cSize, at + ySize + 2 * cSize),
  };
}

const clamp = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : Math.round(x));

/** One pixel in BT.601 studio range (Y 16–235, U and V 16–240 around 128) as RGB. */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const c = 1.164383 * (y - 16);
  const d = u - 128;
  const e = v - 128;
  return [clamp(c + 1.596027 * e), clamp(c - 0.391762 * d - 0.812968 * e), clamp(c + 2.017232 * d)];
}

/** The frame as RGBA (4 bytes a pixel, opaque), into `out` when it is large enough. The same
 * sums as yuvToRgb, inline (this runs for every pixel of every frame without WebGL). */
export function i420ToRgba(frame: I420Frame, out?: Uint8ClampedArray): Uint8ClampedArray {
  const { width, height, y, u, v } = frame;
  const [cw, ch] = chromaSize(width, height);
  const rgba = out && out.length >= width * height * 4 ? out : new Uint8ClampedArray(width * height * 4);
  for (let row = 0; row < height; row++) {
    const crow = Math.min(row >> 1, ch - 1) * cw;
    let o = row * width * 4;
    for (let col = 0; col < width; col++) {
      const ci = crow + Math.min(col >> 1, cw - 1);
      const c = 1.164383 * (y[row * width + col] - 16);
      const d = (u[ci] ?? 128) - 128;
      const e = (v[ci] ?? 128) - 128;
      // A Uint8ClampedArray clamps and rounds on its own.
      rgba[o] = c + 1.596027 * e;
      rgba[o + 1] = c - 0.391762 * d - 0.812968 * e;
      rgba[o + 2] = c + 2.017232 * d;
      rgba[o + 3] = 255;
      o += 4;
    }
  }
  return rgba;
}

const VERTEX = `
attribute vec2 a_pos;
varying vec2 v_tex;
void main() {
  v_tex = vec2((a_pos.x + 1.0) * 0.5, (1.0 - a_pos.y) * 0.5);
  gl_Position = vec4(a_pos, 0.0, 1.0);
}`;

// BT.601, studio range: the same sums as yuvToRgb, on normalised values.
const FRAGMENT = `
precision mediump float;
uniform sampler2D u_y;
uniform sampler2D u_u;
uniform sampler2D u_v;
varying vec2 v_tex;
void main() {
  float y = 1.164383 * (texture2D(u_y, v_tex).r - 0.0627451);
  float u = texture2D(u_u, v_tex).r - 0.5019608;
  float v = texture2D(u_v, v_tex).r - 0.5019608;
  gl_FragColor = vec4(
    clamp(y + 1.596027 * v, 0.0, 1.0),
    clamp(y - 0.391762 * u - 0.812968 * v, 0.0, 1.0),
    clamp(y + 2.017232 * u, 0.0, 1.0),
    1.0);
}`;

type Gl = WebGLRenderingContext;

/** The WebGL side: a quad over the canvas, three textures replaced at every frame. */
class GlPainter {
  private textures: WebGLTexture[] = [];
  private sizes: [number, number][] = [];

  constructor(private gl: Gl) {
    const program = gl.createProgram();
    const vs = this.shader(gl.VERTEX_SHADER, VERTEX);
    const fs = this.shader(gl.FRAGMENT_SHADER, FRAGMENT);
    if (!program) throw new Error("no WebGL program");
    gl.attachShader(program, vs);
    gl.attachShader(program, fs);
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program) ?? "link failed");
    gl.useProgram(program);
    const quad = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, quad);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const pos = gl.getAttribLocation(program, "a_pos");
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, 0, 0);
    // Rows of any width: the planes are packed without padding.
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    ["u_y", "u_u", "u_v"].forEach((name, i) => {
      const t = gl.createTexture();
      if (!t) throw new Error("no WebGL texture");
      gl.activeTexture(gl.TEXTURE0 + i);
      gl.bindTexture(gl.TEXTURE_2D, t);
      // Any size (WebGL 1 needs clamping and no mipmaps for sides that are not powers of two).
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.uniform1i(gl.getUniformLocation(program, name), i);
      this.textures.push(t);
      this.sizes.push([0, 0]);
    });
  }

  private shader(type: number, source: string): WebGLShader {
    const gl = this.gl;
    const s = gl.createShader(type);
    if (!s) throw new Error("no WebGL shader");
    gl.shaderSource(s, source);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s) ?? "compile failed");
    return s;
  }

  draw(frame: I420Frame, canvas: HTMLCanvasElement): void {
    const gl = this.gl;
    const [cw, ch] = chromaSize(frame.width, frame.height);
    const planes: [Uint8Array, number, number][] = [
      [frame.y, frame.width, frame.height],
      [frame.u, cw, ch],
      [frame.v, cw, ch],
    ];
    planes.forEach(([data, w, h], i) => {
      gl.activeTexture(gl.TEXTURE0 + i);
      gl.bindTexture(gl.TEXTURE_2D, this.textures[i]);
      const [pw, ph] = this.sizes[i];
      if (pw === w && ph === h) {
        gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.LUMINANCE, gl.UNSIGNED_BYTE, data);
      } else {
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.LUMINANCE, w, h, 0, gl.LUMINANCE, gl.UNSIGNED_BYTE, data);
        this.sizes[i] = [w, h];
      }
    });
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }
}

/** The 2D fallback: the frame converted on the CPU, put as image data. */
class CanvasPainter {
  private image: ImageData | null = null;

  constructor(private ctx: CanvasRenderingContext2D) {}

  draw(frame: I420Frame): void {
    if (!this.image || this.image.width !== frame.width || this.image.height !== frame.height) {
      this.image = this.ctx.createImageData(frame.width, frame.height);
    }
    i420ToRgba(frame, this.image.data);
    this.ctx.putImageData(this.image, 0, 0);
  }
}

/** Draws I420 frames on a canvas: WebGL when the canvas has it, else a 2D canvas, else nothing
 * (`mode` says which). The canvas takes the frame's size; CSS scales it. */
export class I420Renderer {
  readonly mode: "webgl" | "2d" | "none";
  private gl: GlPainter | null = null;
  private flat: CanvasPainter | null = null;

  constructor(private canvas: HTMLCanvasElement) {
    const gl = context(canvas, "webgl") as Gl | null;
    if (gl) {
      try {
        this.gl = new GlPainter(gl);
        // A lost context (the GPU was reset) comes back empty: set it up again.
        canvas.addEventListener?.("webglcontextlost", (e) => e.preventDefault());
        canvas.addEventListener?.("webglcontextrestored", () => {
          try {
            this.gl = new GlPainter(gl);
          } catch (err) {
            console.warn("WebGL video could not be restored:", err);
          }
        });
      } catch (e) {
        console.warn("WebGL video unavailable, drawing on a 2D canvas:", e);
      }
    }
    if (!this.gl) {
      const ctx = context(canvas, "2d") as CanvasRenderingContext2D | null;
      if (ctx) this.flat = new CanvasPainter(ctx);
    }
    this.mode = this.gl ? "webgl" : this.flat ? "2d" : "none";
  }

  draw(frame: I420Frame): void {
    if (this.canvas.width !== frame.width) this.canvas.width = frame.width;
    if (this.canvas.height !== frame.height) this.canvas.height = frame.height;
    if (this.gl) this.gl.draw(frame, this.canvas);
    else this.flat?.draw(frame);
  }
}

/** A canvas's context, or null where there is none (a canvas already holding another kind, a
 * browser without it, jsdom). */
function context(canvas: HTMLCanvasElement, kind: "webgl" | "2d"): RenderingContext | null {
  try {
    return kind === "webgl"
      ? (canvas.getContext("webgl", { alpha: false, antialias: false, preserveDrawingBuffer: false }) ??
          (canvas.getContext("experimental-webgl" as "webgl") as Gl | null))
      : canvas.getContext("2d", { alpha: false });
  } catch {
    return null;
  }
}
