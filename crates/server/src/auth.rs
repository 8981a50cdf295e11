//! Passwords (argon2id), session tokens (random, stored as SHA-256) and login rate limits.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a PHC string; false for a malformed hash too.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Largest argon2 memory cost accepted from a stored hash, in KiB blocks: a hash stored by an
/// older release (or written by hand) cannot make a check take gigabytes.
const MAX_M_COST: u32 = 256 * 1024;

/// Checks a password like [`verify_password`], with `memory` as argon2's working area (grown
/// when the hash asks for more): a thread that checks many passwords allocates it once.
fn verify_with_memory(password: &str, phc: &str, memory: &mut Vec<argon2::Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        argon2::Algorithm::try_from(hash.algorithm),
        argon2::Params::try_from(&hash),
        hash.salt,
        hash.hash,
    ) else {
        return false;
    };
    let version = match hash.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    if params.m_cost() > MAX_M_COST {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
        .is_ok()
        // `Output`'s equality is constant-time.
        && argon2::password_hash::Output::new(&out).is_ok_and(|got| got == expected)
}

type PasswordJob = Box<dyn FnOnce(&mut Vec<argon2::Block>) + Send>;

/// Password checks on threads of their own, as many as `password_hash_concurrency`. Each
/// thread keeps one argon2 working area (19 MiB with the default parameters) for its life:
/// allocated and freed per check on the runtime's blocking threads, those areas stayed
/// resident in the allocator's per-thread arenas, and 200 sign-ins left the process at 1.4 GiB
/// (`MALLOC_MMAP_THRESHOLD_` brought it to 60 MiB, which showed the cause). A storm of
/// password sign-ins queues here instead of taking every core and the memory from message
/// traffic. The threads end once the pool is dropped, after the check in progress.
pub struct PasswordPool {
    jobs: Option<tokio::sync::mpsc::Sender<PasswordJob>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl PasswordPool {
    /// Starts `threads` (at least one) checking threads.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        // Waiting callers wait in `send`, in order, rather than in an unbounded queue.
        let (jobs, rx) = tokio::sync::mpsc::channel::<PasswordJob>(threads);
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let threads = (0..threads)
            .map(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("confer-passwords-{i}"))
                    .spawn(move || {
                        let mut memory = Vec::new();
                        loop {
                            // The lock is held while waiting for a job, not while running it.
                            let job = rx
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .blocking_recv();
                            match job {
                                Some(job) => job(&mut memory),
                                None => return,
                            }
                        }
                    })
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self {
            jobs: Some(jobs),
            threads,
        })
    }

    /// Checks a password against a PHC string on the pool; `None` once the pool stopped.
    pub async fn verify(&self, password: String, phc: String) -> Option<bool> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: PasswordJob = Box::new(move |memory| {
            let _ = reply.send(verify_with_memory(&password, &phc, memory));
        });
        self.jobs.as_ref()?.send(job).await.ok()?;
        answer.await.ok()
    }
}

impl Drop for PasswordPool {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A fresh session token (256 random bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Failed-login counters in fixed windows, per account and per client address.
pub struct LoginLimiter {
    per_account: u32,
    per_address: u32,
    window: Duration,
    accounts: Mutex<HashMap<String, (Instant, u32)>>,
    addresses: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    /// Allows `per_account` failures per account and `per_address` per address in each window.
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> Self {
        Self {
            per_account,
            per_address,
            window,
            accounts: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    fn count<K: std::hash::Hash + Eq>(
        &self,
        map: &Mutex<HashMap<K, (Instant, u32)>>,
        key: &K,
    ) -> u32 {
        let map = map.lock().expect("limiter poisoned");
        map.get(key)
            .filter(|(start, _)| start.elapsed() < self.window)
            .map_or(0, |(_, n)| *n)
    }

    /// False when the account or the address has used up its failures for this window.
    pub fn allowed(&self, account: &str, addr: IpAddr) -> bool {
        self.count(&self.accounts, &account.to_lowercase()) < self.per_account
            && self.count(&self.addresses, &addr) < self.per_address
    }

    /// Records a failed attempt.
    pub fn failed(&self, account: &str, addr: IpAddr) {
        fn bump<K: std::hash::Hash + Eq>(
            map: &mut HashMap<K, (Instant, u32)>,
            key: K,
            window: Duration,
        ) {
            let entry = map.entry(key).or_insert((Instant::now(), 0));
            if entry.0.elapsed() >= window {
                *entry = (Instant::now(), 0);
            }
            entry.1 += 1;
        }
        let mut accounts = self.accounts.lock().expect("limiter poisoned");
        // Forget stale windows now and then so the maps cannot grow without bound.
        if accounts.len() > 10_000 {
            accounts.retain(|_, (start, _)| start.elapsed() < self.window);
        }
        bump(&mut accounts, account.to_lowercase(), self.window);
        drop(accounts);
        let mut addresses = self.addresses.lock().expect("limiter poisoned");
        if addresses.len() > 10_000 {
            addresses.retain(|_, (start, _)| start.elapsed() < self.window);
        }
        bump(&mut addresses, addr, self.window);
    }

    /// Clears an account's failures after a successful login, and takes back the attempt
    /// counted against the address.
    pub fn succeeded(&self, account: &str, addr: IpAddr) {
        self.accounts
            .lock()
            .expect("limiter poisoned")
            .remove(&account.to_lowercase());
        if let Some(entry) = self
            .addresses
            .lock()
            .expect("limiter poisoned")
            .get_mut(&addr)
        {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

/// Counts attempts per client address in fixed windows: one machine holding a room's link must
/// not flood its meeting (and the members' change streams) with guests.
pub struct AddressLimiter {
    per_window: u32,
    window: Duration,
    counts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl AddressLimiter {
    /// Allows `per_window` attempts per address in each `window`.
    pub fn new(per_window: u32, window: Duration) -> Self {
        Self {
            per_window,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt; false when the address has used up this window.
    pub fn take(&self, addr: IpAddr) -> bool {
        let mut counts = self.counts.lock().expect("limiter poisoned");
        if counts.len() > 10_000 {
            counts.retain(|_, (start, _)| start.elapsed() < self.window);
        }
        let entry = counts.entry(addr).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        if entry.1 >= self.per_window {
            return false;
        }
        entry.1 += 1;
        true
    }
}

/// A token bucket throttling requests on one connection.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// `rate` requests per second with bursts of `burst`.
    pub fn new(rate: u32, burst: u32) -> Self {
        Self {
            rate: rate as f64,
            burst: burst as f64,
            tokens: burst as f64,
            last: Instant::now(),
        }
    }

    /// Takes one token; returns how long to wait before acting on the request (zero within the
    /// burst). Waiting instead of refusing keeps a client's pipelined requests in order.
    pub fn take(&mut self) -> Duration {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let phc = hash_password("s3cret").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &phc));
        assert!(!verify_password("S3cret", &phc));
        assert!(!verify_password("s3cret", "not a hash"));
        // The pool's check, reusing one working area, agrees with the library's.
        let mut memory = Vec::new();
        assert!(verify_with_memory("s3cret", &phc, &mut memory));
        assert!(!verify_with_memory("S3cret", &phc, &mut memory));
        assert!(!verify_with_memory("s3cret", "not a hash", &mut memory));
        assert!(verify_with_memory("s3cret", &phc, &mut memory));
        assert_eq!(memory.len(), argon2::Params::DEFAULT_M_COST as usize);
        // A stored hash asking for absurd memory is refused, not attempted.
        let greedy = phc.replace("m=19456", "m=4000000");
        assert!(!verify_with_memory("s3cret", &greedy, &mut memory));
    }

    #[test]
    fn tokens_are_unique_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn login_limits_apply_per_account_and_per_address() {
        let limiter = LoginLimiter::new(2, 3, Duration::from_secs(60));
        let (a1, a2): (IpAddr, IpAddr) =
            ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        limiter.failed("Alice", a1);
        limiter.failed("alice", a2);
        assert!(!limiter.allowed("ALICE", "127.0.0.9".parse().unwrap()));
        assert!(limiter.allowed("bob", a1));
        limiter.failed("bob", a1);
        limiter.failed("carol", a1);
        assert!(!limiter.allowed("dave", a1));
        assert!(limiter.allowed("dave", a2));
    }

    #[test]
    fn the_bucket_delays_past_its_burst() {
        let mut bucket = RateLimiter::new(2, 3);
        assert!((0..3).all(|_| bucket.take().is_zero()));
        let wait = bucket.take();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
    }
}
