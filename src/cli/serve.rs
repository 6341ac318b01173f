//! `mimamori user add` and `mimamori serve`: the command-line side of `mimamori::serve`.

use anyhow::{Context, Result, bail};
use mimamori::plan::{PlanParams, Scenario};
use mimamori::serve::{AppState, Engine, engine_for, has_plans, record_engine_run, router};
use mimamori::store::{ImportOptions, NewUser, Store, StoreError, UserRole};
use std::path::{Path, PathBuf};

/// The database `serve` uses without `--db`.
const DEFAULT_DB: &str = "mimamori.db";
/// The map `serve` imports into a new default database (relative to the current directory).
const BUNDLED_MAP: &str = "maps/asahikawa-synthetic";

#[derive(clap::Subcommand)]
pub enum UserCmd {
    /// Add a user; their bearer token is printed once, alone on the last line.
    Add {
        /// User name (unique).
        name: String,
        /// city, coordinator, helper or viewer.
        #[arg(long)]
        role: String,
        /// District code (required for a coordinator).
        #[arg(long, value_name = "CODE")]
        district: Option<String>,
        /// Volunteer id the user is (required for a helper).
        #[arg(long, value_name = "ID")]
        volunteer: Option<String>,
        /// Database file (must hold an imported map).
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Database file; created if missing. Default: mimamori.db, into which the bundled city
    /// (maps/asahikawa-synthetic) is imported and planned the first time.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

pub fn run_user(cmd: UserCmd) -> Result<()> {
    match cmd {
        UserCmd::Add {
            name,
            role,
            district,
            volunteer,
            db,
        } => {
            let mut store = super::db::open_existing(&db)?;
            let role = UserRole::parse(&role)?;
            if role == UserRole::Coordinator && district.is_none() {
                bail!("a coordinator needs --district CODE");
            }
            let token = store.new_token()?;
            let user = store.add_user(
                &NewUser {
                    name,
                    role,
                    district,
                    volunteer_id: volunteer,
                },
                &token,
                now(),
            )?;
            println!(
                "user {} added (role {}); the bearer token is shown only once:",
                user.name,
                user.role.code()
            );
            println!("{token}");
        }
    }
    Ok(())
}

/// Opens the database and makes sure it holds a map and current plans.
fn prepare(db: Option<&Path>) -> Result<(Store, Engine)> {
    let path = db.unwrap_or(Path::new(DEFAULT_DB));
    let dir = Path::new(BUNDLED_MAP);
    let no_city = || {
        anyhow::anyhow!(
            "{}: the bundled city is not here; run `mimamori serve` from the repository \
             folder, or import a map with `mimamori db import MAPDIR --db FILE` and pass --db \
             FILE",
            dir.display()
        )
    };
    // Checked before the database file is created, so a wrong folder leaves nothing behind.
    if db.is_none() && !path.exists() && !dir.join("map.toml").exists() {
        return Err(no_city());
    }
    let mut store = Store::open(path)?;
    match store.map() {
        Ok(_) => {}
        Err(StoreError::NoMap) if db.is_none() => {
            if !dir.join("map.toml").exists() {
                return Err(no_city());
            }
            eprintln!(
                "importing {} into {} (first start)",
                dir.display(),
                path.display()
            );
            store.import_map_dir(dir, None, &ImportOptions::default(), now(), "serve")?;
        }
        Err(StoreError::NoMap) => bail!(
            "{}: no map imported yet; run `mimamori db import MAPDIR --db {}` first",
            path.display(),
            path.display()
        ),
        Err(e) => return Err(e.into()),
    }
    // The stored map is planned in memory on every start (the engine that re-plans a
    // district on a pin); its plans are stored only when the store has none yet.
    let engine = engine_for(&store, &Scenario::default(), &PlanParams::default(), now())
        .context("cannot plan the stored map")?;
    if !has_plans(&store)? {
        eprintln!("storing the plans of the stored map (default scenario)");
        record_engine_run(&mut store, &engine, now(), "serve").context("cannot store the plans")?;
    }
    Ok((store, engine))
}

pub fn run_serve(args: ServeArgs) -> Result<()> {
    let (store, engine) = prepare(args.db.as_deref())?;
    let app = router(AppState::new(store, now).with_engine(engine));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        eprintln!(
            "mimamori serving the web app on http://{}/ and the API on http://{}/api \
             (OpenAPI: http://{}/api/openapi.json)",
            args.addr, args.addr, args.addr
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("service stopped with an error")
    })
}
