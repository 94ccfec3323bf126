//! Items over the life of a page: an item missing from two successful
//! reads in a row is withdrawn and leaves the default results; a failed
//! read or a page whose list suddenly matches nothing withdraws nothing;
//! and one event announced by two organisations is shown once.

use perfusion_index::{SearchQuery, Status};
use perfusion_tests::{FixtureServer, config_from, items_of};
use perfusiond::state::Outcome;
use perfusiond::{Daemon, Options};

/// A course list as a DotNetNuke events module writes it.
fn course_list(courses: &[(&str, &str, &str)]) -> String {
    let items: String = courses
        .iter()
        .map(|(title, dates, place)| {
            format!(
                "<div class=\"eventItem\"><span class=\"eventTitle\">{title}</span>\
                 <span class=\"eventDates\">{dates}</span>\
                 <div class=\"eventLocation\">Location: {place}</div></div>\n"
            )
        })
        .collect();
    format!("<html><body><div class=\"eventList courses\">\n{items}</div></body></html>")
}

const STOCKHOLM: (&str, &str, &str) = (
    "Adult ECMO for respiratory failure and septic shock",
    "10/11/2021 - 10/14/2021",
    "Stockholm, Sweden",
);
const TAMPA: (&str, &str, &str) = (
    "Adult ECMO Simulation Training Course",
    "11/03/2021 - 11/04/2021",
    "Tampa, Florida",
);
const ONLINE: (&str, &str, &str) = (
    "Extracorporeal Life Support Adult ECMO Training Course",
    "11/11/2021 - 11/12/2021",
    "Virtual",
);

const CONFIG: &str = r#"
version = 1
[[source]]
id = "elso-courses"
org = "ELSO"
url = "https://www.elso.org/"
format = "html_list"
kind = "course"
item = ".eventList.courses .eventItem"
title = ".eventTitle"
date = ".eventDates"
location = ".eventLocation"
"#;

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("www.elso.org")).unwrap();
        Self { dir }
    }

    /// What https://www.elso.org/ answers from now on.
    fn page(&self, html: &str) {
        std::fs::write(self.dir.path().join("www.elso.org/index"), html).unwrap();
        std::fs::write(
            self.dir.path().join("www.elso.org/index.headers"),
            "content-type: text/html; charset=utf-8\nlast-modified: Tue, 03 Aug 2021 14:05:11 GMT\n",
        )
        .unwrap();
    }

    /// https://www.elso.org/ answers 404 from now on.
    fn gone(&self) {
        std::fs::remove_file(self.dir.path().join("www.elso.org/index")).unwrap();
    }
}

/// The titles a user sees by default (past items included, withdrawn not).
fn shown(daemon: &Daemon) -> Vec<String> {
    let mut q = SearchQuery::new(chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap());
    q.limit = 100;
    daemon
        .store()
        .search(&q)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.title.clone())
        .collect()
}

#[tokio::test]
async fn a_course_dropped_from_the_page_is_withdrawn_after_two_reads_without_it() {
    let site = Site::new();
    site.page(&course_list(&[STOCKHOLM, TAMPA, ONLINE]));
    let server = FixtureServer::start(site.dir.path().to_owned()).await;
    let daemon = Daemon::open(Options {
        config: config_from(&server.rewrite(CONFIG)),
        data_dir: None,
        replay: None,
        record: None,
    })
    .unwrap();
    let run = || async { daemon.run_once().await.remove(0) };
    assert_eq!(run().await.items, 3);
    assert_eq!(shown(&daemon).len(), 3);
    // The page is read again, unchanged (304): every course is seen again.
    assert_eq!(run().await.outcome, Outcome::NotModified);
    let states = daemon.runner().states();
    let read_unchanged = states.get("elso-courses").listed_at.unwrap();
    let tampa = items_of(daemon.store(), "tampa");
    assert_eq!(states.last_seen(&tampa), [read_unchanged]);

    // Tampa is taken off the page. One read without it may be a page
    // caught mid-edit: it is still shown.
    site.page(&course_list(&[STOCKHOLM, ONLINE]));
    let once = run().await;
    assert_eq!((once.outcome, once.stats.withdrawn), (Outcome::Ok, 0));
    assert_eq!(shown(&daemon).len(), 3);
    // Stockholm was seen by this read; Tampa last by the one before.
    let read_without = states.get("elso-courses").listed_at.unwrap();
    assert!(read_without > read_unchanged);
    let seen = |text| states.last_seen(&items_of(daemon.store(), text));
    assert_eq!(seen("stockholm"), [read_without]);
    assert_eq!(seen("tampa"), [read_unchanged]);

    // The second read in a row without it withdraws it. The page has not
    // changed, so the server answers 304: still a read of a page without
    // Tampa.
    let twice = run().await;
    assert_eq!(twice.outcome, Outcome::NotModified);
    assert_eq!(twice.stats.withdrawn, 1);
    assert_eq!(
        shown(&daemon),
        [STOCKHOLM.0, ONLINE.0],
        "a withdrawn course leaves the default results"
    );
    let tampa = items_of(daemon.store(), "tampa");
    assert_eq!(tampa.len(), 1);
    assert_eq!(tampa[0].status, Status::Withdrawn);

    // The page breaks: its list matches nothing. A warning, not an empty
    // page that withdraws every course.
    site.page("<html><body><div class=\"redesign\">Coming soon</div></body></html>");
    for _ in 0..3 {
        let broken = run().await;
        assert_eq!(broken.outcome, Outcome::Warning);
        assert_eq!(broken.error.as_deref(), Some("0 items, had 2"));
        assert_eq!(broken.stats.withdrawn, 0);
    }
    assert_eq!(shown(&daemon), [STOCKHOLM.0, ONLINE.0]);

    // The page disappears: failed runs withdraw nothing either.
    site.gone();
    for _ in 0..3 {
        assert_eq!(run().await.outcome, Outcome::Failed);
    }
    assert_eq!(shown(&daemon), [STOCKHOLM.0, ONLINE.0]);

    // Tampa is back on the page: so is it in the results, same id.
    site.page(&course_list(&[STOCKHOLM, TAMPA, ONLINE]));
    assert_eq!(run().await.outcome, Outcome::Ok);
    assert_eq!(shown(&daemon), [STOCKHOLM.0, TAMPA.0, ONLINE.0]);
    let back = items_of(daemon.store(), "tampa");
    assert_eq!(back[0].id, tampa[0].id);
    assert_eq!(back[0].status, Status::Scheduled);
}
