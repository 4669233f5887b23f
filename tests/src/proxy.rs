//! A TCP proxy between a till and HQ that can swallow HQ's answers: HQ receives and commits the
//! request, the till sees its connection drop. That is the "server died before answering" case.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forward both ways.
    Pass,
    /// Forward requests; when HQ answers, close the till's connection without passing the answer on.
    LoseAnswers,
}

pub struct LossyProxy {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    lost: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl LossyProxy {
    pub async fn start(upstream: SocketAddr) -> LossyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("addr");
        let mode = Arc::new(AtomicU8::new(0));
        let lost = Arc::new(AtomicU64::new(0));
        let (m, l) = (mode.clone(), lost.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (m, l) = (m.clone(), l.clone());
                tokio::spawn(async move {
                    let _ = relay(client, upstream, m, l).await;
                });
            }
        });
        LossyProxy {
            addr,
            mode,
            lost,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_mode(&self, mode: ProxyMode) {
        self.mode.store(
            if mode == ProxyMode::LoseAnswers { 1 } else { 0 },
            Ordering::SeqCst,
        );
    }

    /// How many answers were swallowed.
    pub fn lost_answers(&self) -> u64 {
        self.lost.load(Ordering::SeqCst)
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    mode: Arc<AtomicU8>,
    lost: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
        let _ = sw.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = sr.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        if mode.load(Ordering::SeqCst) == 1 {
            // HQ has answered, so it has committed: drop the till's connection instead of answering.
            lost.fetch_add(1, Ordering::SeqCst);
            break;
        }
        cw.write_all(&buf[..n]).await?;
    }
    up.abort();
    drop(cw);
    Ok(())
}

// --- the fault proxy --------------------------------------------------------------------------

/// One thing the fault proxy does to one HTTP request (it reads HTTP/1.1 framing, so faults hit
/// requests, not TCP segments, and keep-alive connections carry several).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward the request, pass the answer on.
    Pass,
    /// Forward the request and read HQ's whole answer (so HQ has committed), then close the
    /// till's connection without a byte of it.
    DropAnswer,
    /// Reset the till's connection (RST) as the request arrives; HQ never sees it.
    Reset,
    /// Forward, then pass on only the first `keep` bytes of the answer and close: a headers-only
    /// or half body answer.
    Truncate { keep: usize },
    /// Forward, then hold the answer this long before passing it on (long enough and the till
    /// times out while HQ has committed).
    Delay { ms: u64 },
    /// Send the request to HQ twice (a retransmitting middlebox); the till gets the second answer.
    Duplicate,
    /// From now, refuse every request for this long (a network partition), this one included.
    Partition { ms: u64 },
}

/// How often each fault is drawn, and their sizes. Weights are relative; `pass` is the rest.
#[derive(Debug, Clone)]
pub struct FaultMix {
    pub pass: u32,
    pub drop_answer: u32,
    pub reset: u32,
    pub truncate: u32,
    pub delay: u32,
    pub duplicate: u32,
    pub partition: u32,
    /// Longest delay; delays are drawn from 1..=max.
    pub max_delay_ms: u64,
    /// Longest partition.
    pub max_partition_ms: u64,
}

impl Default for FaultMix {
    fn default() -> Self {
        Self {
            pass: 50,
            drop_answer: 10,
            reset: 8,
            truncate: 10,
            delay: 10,
            duplicate: 8,
            partition: 4,
            max_delay_ms: 1_500,
            max_partition_ms: 1_000,
        }
    }
}

impl FaultMix {
    /// Draws the next fault.
    pub fn draw(&self, rng: &mut impl rand::Rng) -> Fault {
        let total = self.pass
            + self.drop_answer
            + self.reset
            + self.truncate
            + self.delay
            + self.duplicate
            + self.partition;
        let mut x = rng.gen_range(0..total.max(1));
        let mut take = |w: u32| {
            if x < w {
                true
            } else {
                x -= w;
                false
            }
        };
        if take(self.pass) {
            Fault::Pass
        } else if take(self.drop_answer) {
            Fault::DropAnswer
        } else if take(self.reset) {
            Fault::Reset
        } else if take(self.truncate) {
            // Anywhere from inside the status line to deep in the body.
            Fault::Truncate {
                keep: rng.gen_range(0..400),
            }
        } else if take(self.delay) {
            Fault::Delay {
                ms: rng.gen_range(1..=self.max_delay_ms.max(1)),
            }
        } else if take(self.duplicate) {
            Fault::Duplicate
        } else {
            Fault::Partition {
                ms: rng.gen_range(1..=self.max_partition_ms.max(1)),
            }
        }
    }
}

/// Counts of what the fault proxy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FaultCounts {
    pub requests: u64,
    pub passed: u64,
    pub dropped_answers: u64,
    pub resets: u64,
    pub truncated: u64,
    pub delayed: u64,
    pub duplicated: u64,
    pub partitions: u64,
    /// Requests refused because a partition was on.
    pub partitioned: u64,
}

struct FaultState {
    rng: rand::rngs::StdRng,
    mix: Option<FaultMix>,
    partition_until: Option<tokio::time::Instant>,
    counts: FaultCounts,
}

/// A loopback proxy between tills and HQ that applies a seeded random [`Fault`] to each request.
/// With no mix set it passes everything (`heal`), so a test can break the network for a while
/// and then let the tills catch up.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<std::sync::Mutex<FaultState>>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fault proxy");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(std::sync::Mutex::new(FaultState {
            rng: rand::SeedableRng::seed_from_u64(0),
            mix: None,
            partition_until: None,
            counts: FaultCounts::default(),
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(client, upstream, st).await;
                });
            }
        });
        FaultProxy { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts a schedule: from now on each request gets a fault drawn from `mix` by an RNG seeded
    /// with `seed` (the same seed draws the same faults in the same order of requests).
    pub fn schedule(&self, seed: u64, mix: FaultMix) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.rng = rand::SeedableRng::seed_from_u64(seed);
        s.mix = Some(mix);
    }

    /// Ends the schedule and any partition: everything passes.
    pub fn heal(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.mix = None;
        s.partition_until = None;
    }

    pub fn counts(&self) -> FaultCounts {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn next_fault(state: &std::sync::Mutex<FaultState>) -> Fault {
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    s.counts.requests += 1;
    let now = tokio::time::Instant::now();
    if s.partition_until.is_some_and(|u| now < u) {
        s.counts.partitioned += 1;
        return Fault::Reset;
    }
    let Some(mix) = s.mix.clone() else {
        s.counts.passed += 1;
        return Fault::Pass;
    };
    let f = mix.draw(&mut s.rng);
    let c = &mut s.counts;
    match f {
        Fault::Pass => c.passed += 1,
        Fault::DropAnswer => c.dropped_answers += 1,
        Fault::Reset => c.resets += 1,
        Fault::Truncate { .. } => c.truncated += 1,
        Fault::Delay { .. } => c.delayed += 1,
        Fault::Duplicate => c.duplicated += 1,
        Fault::Partition { ms } => {
            c.partitions += 1;
            s.partition_until = Some(now + std::time::Duration::from_millis(ms));
        }
    }
    f
}

/// Reads one HTTP/1.1 message (head and a Content-Length or chunked body) from `r`, keeping any
/// bytes past it in `buf`. `None` at a clean end of stream before a message starts.
async fn read_message(
    r: &mut (impl AsyncReadExt + Unpin),
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Vec<u8>>> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = r.read(&mut chunk).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(bad("stream ended inside a message head"))
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    let need_more = |buf: &Vec<u8>, upto: usize| buf.len() < upto;
    if chunked {
        // Walk the chunks: size line, data, CRLF; a zero size ends it (no trailers expected).
        let mut pos = head_end;
        loop {
            let line_end = loop {
                if let Some(i) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                    break pos + i;
                }
                let n = r.read(&mut chunk).await?;
                if n == 0 {
                    return Err(bad("stream ended inside a chunk size"));
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            let size_text = String::from_utf8_lossy(&buf[pos..line_end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            let end = line_end + 2 + size + 2;
            while need_more(buf, end) {
                let n = r.read(&mut chunk).await?;
                if n == 0 {
                    return Err(bad("stream ended inside a chunk"));
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            pos = end;
            if size == 0 {
                let msg: Vec<u8> = buf.drain(..pos).collect();
                return Ok(Some(msg));
            }
        }
    }
    let end = head_end + length.unwrap_or(0);
    while need_more(buf, end) {
        let n = r.read(&mut chunk).await?;
        if n == 0 {
            return Err(bad("stream ended inside a body"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(buf.drain(..end).collect()))
}

/// Sends `request` upstream and reads the answer.
async fn exchange(
    up: &mut Option<(
        tokio::net::tcp::OwnedReadHalf,
        tokio::net::tcp::OwnedWriteHalf,
        Vec<u8>,
    )>,
    upstream: SocketAddr,
    request: &[u8],
) -> std::io::Result<Vec<u8>> {
    if up.is_none() {
        let s = TcpStream::connect(upstream).await?;
        let (r, w) = s.into_split();
        *up = Some((r, w, Vec::new()));
    }
    let Some((r, w, buf)) = up.as_mut() else {
        unreachable!("connected above")
    };
    w.write_all(request).await?;
    match read_message(r, buf).await? {
        Some(answer) => Ok(answer),
        None => Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "HQ closed the connection without answering",
        )),
    }
}

/// Resets a connection: linger 0, so closing sends RST rather than FIN.
fn reset(stream: TcpStream) {
    #[allow(deprecated)]
    let _ = stream.set_linger(Some(std::time::Duration::ZERO));
    drop(stream);
}

async fn serve_connection(
    mut client: TcpStream,
    upstream: SocketAddr,
    state: Arc<std::sync::Mutex<FaultState>>,
) -> std::io::Result<()> {
    let mut up = None;
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_message(&mut client, &mut buf).await? else {
            return Ok(());
        };
        match next_fault(&state) {
            Fault::Pass => {
                let answer = exchange(&mut up, upstream, &request).await?;
                client.write_all(&answer).await?;
            }
            Fault::DropAnswer => {
                let _ = exchange(&mut up, upstream, &request).await?;
                return Ok(());
            }
            Fault::Reset | Fault::Partition { .. } => {
                reset(client);
                return Ok(());
            }
            Fault::Truncate { keep } => {
                let answer = exchange(&mut up, upstream, &request).await?;
                let keep = keep.min(answer.len().saturating_sub(1));
                client.write_all(&answer[..keep]).await?;
                return Ok(());
            }
            Fault::Delay { ms } => {
                let answer = exchange(&mut up, upstream, &request).await?;
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                client.write_all(&answer).await?;
            }
            Fault::Duplicate => {
                let _ = exchange(&mut up, upstream, &request).await?;
                let answer = exchange(&mut up, upstream, &request).await?;
                client.write_all(&answer).await?;
            }
        }
    }
}
