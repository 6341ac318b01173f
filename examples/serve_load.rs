//! Load run of the service: imports and plans a map folder into a temporary database, serves
//! it on loopback and reads `GET /api/people/{id}/plan` from many keep-alive connections for a
//! while, then prints reads per second and latency percentiles. Every read is audited (one
//! committed row each), as in production.
//!
//! `cargo run --release --example serve_load -- [MAPDIR] [SECONDS] [CONNECTIONS]`
//! (defaults: maps/asahikawa-synthetic, 10, 32).

use mimamori::plan::{PlanParams, Scenario};
use mimamori::serve::{AppState, engine_for, record_engine_run, router};
use mimamori::store::{ImportOptions, NewUser, Store, UserRole};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let map_dir = PathBuf::from(args.get(1).map_or("maps/asahikawa-synthetic", |s| s));
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let conns: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);

    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("load.db"))?;
    let now = time::OffsetDateTime::now_utc();
    store.import_map_dir(&map_dir, None, &ImportOptions::default(), now, "load")?;
    let engine = engine_for(&store, &Scenario::default(), &PlanParams::default(), now)?;
    record_engine_run(&mut store, &engine, now, "load")?;
    let token = store.new_token()?;
    store.add_user(
        &NewUser {
            name: "load-city".into(),
            role: UserRole::City,
            district: None,
            volunteer_id: None,
        },
        &token,
        now,
    )?;
    let ids: Vec<String> = {
        let mut st = store
            .connection()
            .prepare("SELECT person_id FROM current_plans ORDER BY person_id")?;
        st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(AppState::new(store, time::OffsetDateTime::now_utc));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let ids = ids.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut s = TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            let mut buf = Vec::with_capacity(1 << 16);
            let mut k = c;
            while Instant::now() < deadline {
                let id = &ids[(k * 7919) % ids.len()];
                k += conns;
                let req = format!(
                    "GET /api/people/{id}/plan HTTP/1.1\r\nHost: load\r\nAuthorization: \
                     Bearer {token}\r\n\r\n"
                );
                let t = Instant::now();
                s.write_all(req.as_bytes()).await?;
                buf.clear();
                let (head_end, len) = loop {
                    let mut chunk = [0u8; 16384];
                    let n = s.read(&mut chunk).await?;
                    anyhow::ensure!(n > 0, "connection closed");
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
                        anyhow::ensure!(head.starts_with("http/1.1 200"), "not 200");
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .ok_or_else(|| anyhow::anyhow!("no content-length"))?;
                        break (p + 4, len);
                    }
                };
                while buf.len() < head_end + len {
                    let mut chunk = [0u8; 16384];
                    let n = s.read(&mut chunk).await?;
                    anyhow::ensure!(n > 0, "connection closed");
                    buf.extend_from_slice(&chunk[..n]);
                }
                lat.push(t.elapsed().as_micros() as u64);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |q: f64| all[((all.len() as f64 - 1.0) * q).round() as usize] as f64 / 1000.0;
    println!(
        "{} plans, {conns} connections, {:.1} s: {} reads, {:.0} reads/s, p50 {:.2} ms, p99 \
         {:.2} ms, max {:.2} ms",
        ids.len(),
        elapsed,
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
