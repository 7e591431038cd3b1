//! The queue view at any size: keyset pages that cover every claim once, newest first; search
//! by what a clerk looks a claim up by; filters; the summary that carries the alert's count.

use claimdesk_model::sample::valid_fields;
use claimdesk_model::wire::Receipt;
use claimdesk_model::{Claim, ClaimFields, ClaimId, Status};
use claimdesk_store::queue::ListQuery;
use claimdesk_store::{Store, Vault};
use std::collections::HashSet;

fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open_dir(dir.path(), &Vault::for_tests(dir.path())).expect("open");
    (dir, store)
}

fn draft(store: &mut Store, name: &str, email: &str) -> ClaimId {
    let id = ClaimId::new();
    let fields = ClaimFields {
        contact_name: name.into(),
        email: email.into(),
        ..Default::default()
    };
    store.save_draft(id, &fields).expect("draft");
    id
}

fn find(store: &Store, text: &str) -> Vec<ClaimId> {
    let q = ListQuery {
        text: text.into(),
        ..Default::default()
    };
    store
        .page(&q)
        .expect("page")
        .claims
        .iter()
        .map(|c| c.id)
        .collect()
}

#[test]
fn pages_cover_every_claim_once_newest_first() {
    let (_dir, mut store) = temp_store();
    for i in 0..250 {
        draft(&mut store, &format!("Kunde {i}"), "");
    }
    let mut q = ListQuery {
        limit: 100,
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = store.page(&q).expect("page");
        assert!(page.claims.len() <= 100);
        seen.extend(page.claims.iter().map(|c| (c.created_at.clone(), c.id)));
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().map(|s| s.1).collect::<HashSet<_>>().len(), 250);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
}

#[test]
fn search_finds_a_claim_by_what_the_clerk_remembers() {
    let (_dir, mut store) = temp_store();
    let jana = ClaimId::new();
    store.submit(jana, &valid_fields()).expect("queue");
    let yamada = draft(&mut store, "山田 太郎", "taro@example.jp");
    let zoe = draft(&mut store, "Zoë O'Brien", "zoe@example.ie");
    store.pick_next().expect("pick");
    store
        .record_sent(&Receipt {
            id: jana,
            case_reference: "CD-7KQ2-M9XA".into(),
            received_at: claimdesk_model::now_timestamp(),
            status: "received".into(),
            supersedes: None,
            superseded_by: None,
        })
        .expect("sent");
    assert_eq!(find(&store, "jana schm"), vec![jana], "name prefixes");
    assert_eq!(find(&store, "example.DE"), vec![jana], "email, any case");
    assert_eq!(find(&store, "302-1234567"), vec![jana], "order id");
    assert_eq!(find(&store, "FY5292"), vec![jana], "serial number");
    assert_eq!(
        find(&store, "49301234567"),
        vec![jana],
        "phone as stored (E.164)"
    );
    assert_eq!(find(&store, "cd-7kq2"), vec![jana], "case reference");
    assert_eq!(find(&store, "PowerCore"), vec![jana], "product");
    assert_eq!(find(&store, "山田"), vec![yamada]);
    assert_eq!(find(&store, "zoe"), vec![zoe], "without its diacritics");
    assert_eq!(find(&store, "nobody"), Vec::<ClaimId>::new());
    // FTS syntax typed by a clerk is just words.
    assert_eq!(find(&store, "\"jana\" OR NEAR( *"), Vec::<ClaimId>::new());
    assert_eq!(find(&store, "").len(), 3, "no words: every claim");
}

#[test]
fn the_index_follows_edits_and_deletions() {
    let (_dir, mut store) = temp_store();
    let id = draft(&mut store, "Anna Alt", "");
    assert_eq!(find(&store, "alt"), vec![id]);
    store
        .save_draft(
            id,
            &ClaimFields {
                contact_name: "Anna Neu".into(),
                ..Default::default()
            },
        )
        .expect("edit");
    assert!(find(&store, "alt").is_empty());
    assert_eq!(find(&store, "neu"), vec![id]);
    store.discard_draft(id).expect("discard");
    assert!(find(&store, "neu").is_empty());
}

#[test]
fn status_and_dates_filter_the_list() {
    let (_dir, mut store) = temp_store();
    let queued = ClaimId::new();
    store.submit(queued, &valid_fields()).expect("queue");
    let typed = draft(&mut store, "Draft", "");
    let by_status = |s| {
        store
            .page(&ListQuery {
                status: Some(s),
                ..Default::default()
            })
            .expect("page")
            .claims
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(by_status(Status::Ready), vec![queued]);
    assert_eq!(by_status(Status::Draft), vec![typed]);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let on = |from: &str, to: &str| {
        store
            .page(&ListQuery {
                from: Some(from.into()),
                to: Some(to.into()),
                ..Default::default()
            })
            .expect("page")
            .claims
            .len()
    };
    assert_eq!(on(&today, &today), 2, "today, inclusive");
    assert_eq!(on("2020-01-01", "2020-12-31"), 0);
    assert!(store
        .page(&ListQuery {
            to: Some("last week".into()),
            ..Default::default()
        })
        .is_err());
}

#[test]
fn the_summary_counts_claims_waiting_too_long() {
    let (_dir, mut store) = temp_store();
    let five_days_ago = (chrono::Utc::now() - chrono::Duration::days(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let old = Claim {
        id: ClaimId::new(),
        status: Status::Ready,
        created_at: five_days_ago.clone(),
        updated_at: five_days_ago,
        fields: claimdesk_model::validate::validate(&valid_fields()).expect("valid"),
    };
    store.import(&old).expect("import");
    store
        .submit(ClaimId::new(), &valid_fields())
        .expect("queue");
    draft(&mut store, "Draft", "");
    let s = store.outbox_summary().expect("summary");
    assert_eq!((s.pending, s.stale, s.total), (2, 1, 3));
}

#[test]
fn the_kept_counts_follow_every_change() {
    let (_dir, mut store) = temp_store();
    let a = ClaimId::new();
    store.submit(a, &valid_fields()).expect("queue");
    let b = draft(&mut store, "Draft", "");
    let c = draft(&mut store, "Gone", "");
    store.discard_draft(c).expect("discard");
    store.pick_next().expect("pick");
    store
        .record_rejected(
            a,
            &claimdesk_model::wire::ErrorBody::new(
                claimdesk_model::ErrorCode::ClaimConflict,
                "refused",
            ),
        )
        .expect("refused");
    let counted = |st: Status| {
        store
            .list()
            .expect("list")
            .iter()
            .filter(|c| c.status == st)
            .count() as u64
    };
    let s = store.outbox_summary().expect("summary");
    assert_eq!(s.needs_attention, counted(Status::NeedsAttention));
    assert_eq!(s.pending, counted(Status::Ready) + counted(Status::Sending));
    assert_eq!(s.total, 2);
    assert_eq!(store.count().expect("count"), 2);
    assert!(store.get(b).expect("get").is_some());
}

#[test]
fn a_second_claim_queued_after_another_keeps_the_counts() {
    // The upsert that queues a draft once met the counts' own insert as a conflict when
    // another claim already had that status ("UNIQUE constraint failed: claim_counts.status").
    let (_dir, mut store) = temp_store();
    store
        .submit(ClaimId::new(), &valid_fields())
        .expect("first");
    let id = draft(&mut store, "Second", "");
    store
        .submit(id, &valid_fields())
        .expect("a second queued claim");
    let s = store.outbox_summary().expect("summary");
    assert_eq!((s.pending, s.total), (2, 2));
}

#[test]
fn a_claim_that_failed_three_times_in_a_row_lets_the_others_go_first() {
    let (_dir, mut store) = temp_store();
    let a = ClaimId::new();
    store.submit(a, &valid_fields()).expect("a");
    let b = ClaimId::new();
    store.submit(b, &valid_fields()).expect("b");
    let retry =
        claimdesk_model::wire::ErrorBody::new(claimdesk_model::ErrorCode::SyncOffline, "cut");
    for _ in 0..3 {
        let out = store.pick_next().expect("pick").expect("one");
        assert_eq!(
            out.payload.id, a,
            "the oldest goes first while it has failed < 3 times"
        );
        store.record_retry(a, &retry).expect("retry");
    }
    let out = store.pick_next().expect("pick").expect("one");
    assert_eq!(out.payload.id, b, "then the next one goes first");
    store.record_retry(b, &retry).expect("retry");
    // Refused, fixed and queued again: its place in the queue and a clean slate.
    let out = store.pick_next().expect("pick").expect("one");
    assert_eq!(out.payload.id, b);
    store.record_rejected(a, &retry).expect("refused");
    store.submit(a, &valid_fields()).expect("queued again");
    store.record_retry(b, &retry).expect("retry");
    assert_eq!(store.pick_next().expect("pick").expect("one").payload.id, a);
}
