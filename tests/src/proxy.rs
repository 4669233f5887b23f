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
