//! The rig the sync tests and the sync benchmark share (one copy, not one per test file): a
//! real claims service on a loopback socket, the fault proxy in front of it, and claims made
//! the way the app makes them.

pub mod pg;
pub mod proxy;
pub mod s3;

use claimdesk_model::attachment::{sha256_hex, NewAttachment};
use claimdesk_model::{ClaimFields, ClaimId, Kind, MediaType, Status};
use claimdesk_server::intake::Intake;
use claimdesk_store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The reference service, in this process, on a real loopback socket.
pub struct Server {
    /// `http://127.0.0.1:PORT/`
    pub url: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its store, for checking what arrived.
    pub intake: Intake,
    /// A registered device's token.
    pub token: String,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts a service with its data in `dir`, on a free port.
    pub async fn start(dir: &Path) -> Server {
        Self::start_on(dir, "127.0.0.1:0".parse().expect("addr"), None).await
    }

    /// Starts a service on `addr` (to restart on the same port), reusing `token` if given.
    pub async fn start_on(dir: &Path, addr: SocketAddr, token: Option<String>) -> Server {
        let intake = Intake::open(dir).expect("open intake");
        let token = match token {
            Some(t) => t,
            None => intake.add_device("test-device").expect("device"),
        };
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let i = intake.clone();
        let task = tokio::spawn(async move {
            let _ = claimdesk_server::serve(listener, i, async {
                let _ = stopped.await;
            })
            .await;
        });
        Server {
            url: format!("http://{addr}/"),
            addr,
            intake,
            token,
            dir: dir.to_owned(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops it (requests in flight finish) and starts it again on the same port.
    pub async fn restart(mut self) -> Server {
        self.shutdown().await;
        let (dir, addr, token) = (self.dir.clone(), self.addr, self.token.clone());
        drop(self);
        Server::start_on(&dir, addr, Some(token)).await
    }

    /// Stops it.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// A complete claim, as a clerk in Germany would type it.
pub fn fields(i: usize) -> ClaimFields {
    ClaimFields {
        channel: "amazon".into(),
        marketplace: "amazon.de".into(),
        email: format!("kunde{i}@example.de"),
        contact_name: format!("Kundin {i}"),
        order_id: format!("302-1234567-{i:07}"),
        product_name: "PowerCore 10000".into(),
        sku: "A1263".into(),
        serial_number: "FY529241".into(),
        purchase_date: "2026-03-14".into(),
        address_line1: "Friedrichstraße 12".into(),
        country: "DE".into(),
        city: "Berlin".into(),
        postal_code: "10117".into(),
        issue: format!("Claim {i}: does not charge any more."),
        ..Default::default()
    }
}

/// Pseudo-random bytes standing in for a normalised photo (the service does not decode).
pub struct FakePhoto {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: String,
}

impl FakePhoto {
    /// As the store takes it.
    pub fn as_new(&self) -> NewAttachment<'_> {
        NewAttachment {
            media_type: MediaType::Jpeg,
            bytes: &self.bytes,
            sha256: &self.sha256,
            width: 1600,
            height: 1200,
            pages: None,
            thumbnail: None,
        }
    }
}

/// `len` pseudo-random bytes from `seed`, standing in for a photo.
pub fn photo(seed: usize, len: usize) -> FakePhoto {
    let mut x = (seed as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    FakePhoto {
        sha256: sha256_hex(&bytes),
        bytes,
    }
}

/// Queues `n` claims with `photos` attachments of `photo_len` bytes each; returns their ids
/// in queue order.
pub fn queue_claims(store: &mut Store, n: usize, photos: usize, photo_len: usize) -> Vec<ClaimId> {
    (0..n)
        .map(|i| {
            let id = ClaimId::new();
            store.save_draft(id, &fields(i)).expect("draft");
            for p in 0..photos {
                let kind = if p == 0 { Kind::Receipt } else { Kind::Product };
                store
                    .add_attachment(
                        id,
                        kind,
                        "photo.jpg",
                        &photo(i * 31 + p, photo_len).as_new(),
                    )
                    .expect("attach");
            }
            store.submit(id, &fields(i)).expect("queue");
            id
        })
        .collect()
}

/// Every claim is `sent` exactly once: the service holds exactly these claims, and each
/// client claim's case reference is the service's reference for that id.
pub fn assert_delivered_exactly_once(store: &Store, server: &Intake, ids: &[ClaimId]) {
    assert_eq!(
        server.count().expect("count"),
        ids.len() as u64,
        "the service holds one claim per client claim"
    );
    let summaries = store.list().expect("list");
    for id in ids {
        let s = summaries
            .iter()
            .find(|s| s.id == *id)
            .expect("claim still stored");
        assert_eq!(s.status, Status::Sent, "claim {id} is sent");
        let (_, receipt) = server.find(*id).expect("find").expect("on the service");
        assert_eq!(
            s.case_reference.as_deref(),
            Some(receipt.case_reference.as_str())
        );
    }
}
