//! Draws the unread count onto the tray icon: a red disc in the top-right corner with the
//! number in white (a 3×5 pixel font, scaled to the icon).

/// 3×5 glyphs for 0-9 and '+', one row per byte, bit 2 = left column.
const GLYPHS: [[u8; 5]; 11] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
    [0b000, 0b010, 0b111, 0b010, 0b000],
];

const RED: [u8; 4] = [220, 38, 38, 255];
const WHITE: [u8; 4] = [255, 255, 255, 255];

/// The label drawn for a count: the number up to 9, then "9+".
pub fn label(count: u32) -> Vec<usize> {
    if count > 9 {
        vec![9, 10]
    } else {
        vec![count as usize]
    }
}

/// A copy of `rgba` (`width`×`height`) with the count drawn on it; unchanged for zero.
pub fn draw(rgba: &[u8], width: u32, height: u32, count: u32) -> Vec<u8> {
    let mut out = rgba.to_vec();
    if count == 0 || width < 8 || height < 8 {
        return out;
    }
    let (w, h) = (width as i64, height as i64);
    let radius = w.min(h) * 3 / 10;
    let (cx, cy) = (w - radius - 1, radius + 1);
    let mut put = |x: i64, y: i64, colour: [u8; 4]| {
        if (0..w).contains(&x) && (0..h).contains(&y) {
            let i = ((y * w + x) * 4) as usize;
            out[i..i + 4].copy_from_slice(&colour);
        }
    };
    for y in cy - radius..=cy + radius {
        for x in cx - radius..=cx + radius {
            if (x - cx).pow(2) + (y - cy).pow(2) <= radius * radius {
                put(x, y, RED);
            }
        }
    }
    let glyphs = label(count);
    let columns = glyphs.len() as i64 * 4 - 1;
    let scale = ((radius * 2 - 2) / columns.max(5)).max(1);
    let left = cx - columns * scale / 2;
    let top = cy - 5 * scale / 2;
    for (n, g) in glyphs.iter().enumerate() {
        for (row, bits) in GLYPHS[*g].iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let x = left + (n as i64 * 4 + col) * scale + dx;
                            put(x, top + row as i64 * scale + dy, WHITE);
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(img: &[u8], w: u32, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * w + x) * 4) as usize;
        [img[i], img[i + 1], img[i + 2], img[i + 3]]
    }

    #[test]
    fn zero_leaves_the_icon_alone_and_a_count_draws_a_red_disc_with_white_digits() {
        let (w, h) = (32, 32);
        let base = vec![0u8; (w * h * 4) as usize];
        assert_eq!(draw(&base, w, h, 0), base);
        let one = draw(&base, w, h, 1);
        let seven = draw(&base, w, h, 7);
        assert_ne!(one, seven, "different counts look different");
        // The disc is in the top-right corner, the bottom-left is untouched.
        assert_eq!(px(&one, w, 31 - 9, 10)[3], 255);
        assert_eq!(px(&one, w, 2, 30), [0, 0, 0, 0]);
        assert!(one.chunks(4).any(|p| p == WHITE), "digits are drawn");
        assert!(one.chunks(4).any(|p| p == RED));
        assert_eq!(label(42), vec![9, 10]);
    }
}
