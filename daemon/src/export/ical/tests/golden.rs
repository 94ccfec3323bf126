//! The golden calendar: realistic items and the exact text expected,
//! written out by hand, and its round trip through an independent parser.

use super::*;

/// The Regensburg course (with a registration deadline), the ANZCP webinar,
/// a grant known only by its deadline, a cancelled congress, and a
/// publication known to the month (which must not appear).
pub(super) fn golden_items() -> Vec<Item> {
    let mut course = item(
        "euroelso-2024-regensburg-adult-ecmo",
        ItemKind::Course,
        "Regensburg 9th Adult ECMO Training Course",
    );
    course.summary = "Five days of lectures, wet labs and simulation for physicians, nurses \
                      and perfusionists; limited to 40 participants."
        .to_owned();
    course.url =
        "https://www.euroelso.net/education/courses/regensburg-9th-adult-ecmo-training-course/"
            .to_owned();
    course.org = "EuroELSO".to_owned();
    course.sources = vec![source(
        "euroelso-courses",
        "EuroELSO",
        "https://www.euroelso.net/education/courses/",
    )];
    course.when = days(date(2024, 9, 23), Some(date(2024, 9, 27)));
    course.place = Place {
        venue: Some("University Regensburg, Lecture Theatre A2 (Entrance West)".to_owned()),
        city: Some("Regensburg".to_owned()),
        region: None,
        country_code: Some("DE".to_owned()),
        text: String::new(),
    };
    course.mode = Some(Mode::InPerson);
    course.revision = 2;
    course.modified = utc("2024-06-01T08:30:00Z");
    course.deadlines = vec![deadline(
        DeadlineKind::Registration,
        date(2024, 8, 31),
        "Registration closes",
    )];

    let mut webinar = item(
        "anzcp-2022-09-29-end-of-life",
        ItemKind::Webinar,
        "Perfusion in Practice: End of Life impact on Perfusionists",
    );
    webinar.url =
        "https://anzcp.org/events/perfusion-in-practice-end-of-life-impact-on-perfusionists/"
            .to_owned();
    webinar.org = "ANZCP".to_owned();
    webinar.sources = vec![source("anzcp-events", "ANZCP", "https://anzcp.org/events/")];
    webinar.when = When {
        start: Some(date(2022, 9, 29)),
        end: None,
        precision: DatePrecision::Day,
        start_time: Some(time(19, 0)),
        end_time: Some(time(20, 0)),
        timezone: Some("Australia/Sydney".to_owned()),
        text: "29 September 2022, 7pm AEST".to_owned(),
    };
    webinar.mode = Some(Mode::Virtual);
    webinar.modified = utc("2022-09-01T00:00:00Z");

    let mut grant = item(
        "elso-2022-research-grant",
        ItemKind::Grant,
        "ELSO 2022 Research Grant Application",
    );
    grant.summary = "Grants of up to USD 30,000 for ECMO research.".to_owned();
    grant.url = "https://www.elso.org/grants/researchgrants.aspx".to_owned();
    grant.sources = vec![source(
        "elso-grants",
        "ELSO",
        "https://www.elso.org/grants/researchgrants.aspx",
    )];
    grant.deadlines = vec![Deadline {
        kind: DeadlineKind::Application,
        date: date(2021, 9, 30),
        time: Some(time(23, 59)),
        timezone: Some("America/Los_Angeles".to_owned()),
        label: "Letters of intent".to_owned(),
    }];
    grant.revision = 1;
    grant.modified = utc("2021-07-15T12:00:00Z");

    let mut congress = item(
        "euroelso-2020-london",
        ItemKind::Conference,
        "EuroELSO 2020 Congress",
    );
    congress.url = "https://www.euroelso.net/congress/".to_owned();
    congress.org = "EuroELSO".to_owned();
    // Two sources of one organisation pointing at the same page: one line.
    congress.sources = vec![
        source(
            "euroelso-events",
            "EuroELSO",
            "https://www.euroelso.net/congress/",
        ),
        source(
            "euroelso-news",
            "EuroELSO",
            "https://www.euroelso.net/congress/",
        ),
    ];
    congress.when = days(date(2020, 5, 20), Some(date(2020, 5, 23)));
    congress.place = Place {
        text: "ExCeL London, London, United Kingdom".to_owned(),
        city: Some("London".to_owned()),
        country_code: Some("GB".to_owned()),
        ..Place::default()
    };
    congress.status = Status::Cancelled;
    congress.revision = 3;
    congress.modified = utc("2020-03-20T10:15:00Z");
    congress.deadlines = vec![deadline(
        DeadlineKind::Abstract,
        date(2020, 1, 31),
        "Abstract submission",
    )];

    let mut report = item(
        "elso-registry-report-2024-01",
        ItemKind::Publication,
        "ELSO Registry International Report",
    );
    report.when = When {
        start: Some(date(2024, 1, 1)),
        end: Some(date(2024, 1, 31)),
        precision: DatePrecision::Month,
        ..When::default()
    };

    vec![course, webinar, grant, congress, report]
}

pub(super) fn golden_options() -> CalendarOptions {
    CalendarOptions {
        name: "ECMO courses, webinars & grants".to_owned(),
        alarm: Some(Duration::days(7)),
        ..options()
    }
}

const GOLDEN: &str = concat!(
    "BEGIN:VCALENDAR\r\n",
    "VERSION:2.0\r\n",
    "PRODID:-//perfusion//perfusiond 0.1//EN\r\n",
    "CALSCALE:GREGORIAN\r\n",
    "METHOD:PUBLISH\r\n",
    "NAME:ECMO courses\\, webinars & grants\r\n",
    "X-WR-CALNAME:ECMO courses\\, webinars & grants\r\n",
    "REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n",
    "X-PUBLISHED-TTL:PT12H\r\n",
    "BEGIN:VEVENT\r\n",
    "UID:euroelso-2024-regensburg-adult-ecmo@perfusiond\r\n",
    "DTSTAMP:20240601T083000Z\r\n",
    "LAST-MODIFIED:20240601T083000Z\r\n",
    "SEQUENCE:2\r\n",
    "DTSTART;VALUE=DATE:20240923\r\n",
    "DTEND;VALUE=DATE:20240928\r\n",
    "SUMMARY:Regensburg 9th Adult ECMO Training Course\r\n",
    "DESCRIPTION:Five days of lectures\\, wet labs and simulation for physicians\r\n",
    " \\, nurses and perfusionists\\; limited to 40 participants.\\n\\nEuroELSO: htt\r\n",
    " ps://www.euroelso.net/education/courses/\r\n",
    "LOCATION:University Regensburg\\, Lecture Theatre A2 (Entrance West)\\, Regen\r\n",
    " sburg\\, DE\r\n",
    "URL:https://www.euroelso.net/education/courses/regensburg-9th-adult-ecmo-tr\r\n",
    " aining-course/\r\n",
    "CATEGORIES:course,EuroELSO\r\n",
    "STATUS:CONFIRMED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VEVENT\r\n",
    "UID:euroelso-2024-regensburg-adult-ecmo-registration-20240831@perfusiond\r\n",
    "DTSTAMP:20240601T083000Z\r\n",
    "LAST-MODIFIED:20240601T083000Z\r\n",
    "SEQUENCE:2\r\n",
    "DTSTART;VALUE=DATE:20240831\r\n",
    "DTEND;VALUE=DATE:20240901\r\n",
    "SUMMARY:Registration deadline: Regensburg 9th Adult ECMO Training Course\r\n",
    "DESCRIPTION:Registration closes\\n\\nEuroELSO: https://www.euroelso.net/educa\r\n",
    " tion/courses/\r\n",
    "URL:https://www.euroelso.net/education/courses/regensburg-9th-adult-ecmo-tr\r\n",
    " aining-course/\r\n",
    "CATEGORIES:deadline,EuroELSO\r\n",
    "STATUS:CONFIRMED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "BEGIN:VALARM\r\n",
    "ACTION:DISPLAY\r\n",
    "TRIGGER:-P7D\r\n",
    "DESCRIPTION:Registration deadline: Regensburg 9th Adult ECMO Training Cours\r\n",
    " e\r\n",
    "END:VALARM\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VEVENT\r\n",
    "UID:anzcp-2022-09-29-end-of-life@perfusiond\r\n",
    "DTSTAMP:20220901T000000Z\r\n",
    "LAST-MODIFIED:20220901T000000Z\r\n",
    "SEQUENCE:0\r\n",
    "DTSTART:20220929T090000Z\r\n",
    "DTEND:20220929T100000Z\r\n",
    "SUMMARY:Perfusion in Practice: End of Life impact on Perfusionists\r\n",
    "DESCRIPTION:ANZCP: https://anzcp.org/events/\r\n",
    "LOCATION:Online\r\n",
    "URL:https://anzcp.org/events/perfusion-in-practice-end-of-life-impact-on-pe\r\n",
    " rfusionists/\r\n",
    "CATEGORIES:webinar,ANZCP\r\n",
    "STATUS:CONFIRMED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VEVENT\r\n",
    "UID:elso-2022-research-grant-application-20210930@perfusiond\r\n",
    "DTSTAMP:20210715T120000Z\r\n",
    "LAST-MODIFIED:20210715T120000Z\r\n",
    "SEQUENCE:1\r\n",
    "DTSTART;VALUE=DATE:20210930\r\n",
    "DTEND;VALUE=DATE:20211001\r\n",
    "SUMMARY:Application deadline: ELSO 2022 Research Grant Application\r\n",
    "DESCRIPTION:Letters of intent\\ndue 23:59 America/Los_Angeles\\n\\nELSO: https\r\n",
    " ://www.elso.org/grants/researchgrants.aspx\r\n",
    "URL:https://www.elso.org/grants/researchgrants.aspx\r\n",
    "CATEGORIES:deadline,ELSO\r\n",
    "STATUS:CONFIRMED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "BEGIN:VALARM\r\n",
    "ACTION:DISPLAY\r\n",
    "TRIGGER:-P7D\r\n",
    "DESCRIPTION:Application deadline: ELSO 2022 Research Grant Application\r\n",
    "END:VALARM\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VEVENT\r\n",
    "UID:euroelso-2020-london@perfusiond\r\n",
    "DTSTAMP:20200320T101500Z\r\n",
    "LAST-MODIFIED:20200320T101500Z\r\n",
    "SEQUENCE:3\r\n",
    "DTSTART;VALUE=DATE:20200520\r\n",
    "DTEND;VALUE=DATE:20200524\r\n",
    "SUMMARY:EuroELSO 2020 Congress\r\n",
    "DESCRIPTION:EuroELSO: https://www.euroelso.net/congress/\r\n",
    "LOCATION:ExCeL London\\, London\\, United Kingdom\r\n",
    "URL:https://www.euroelso.net/congress/\r\n",
    "CATEGORIES:conference,EuroELSO\r\n",
    "STATUS:CANCELLED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "END:VEVENT\r\n",
    "BEGIN:VEVENT\r\n",
    "UID:euroelso-2020-london-abstract-20200131@perfusiond\r\n",
    "DTSTAMP:20200320T101500Z\r\n",
    "LAST-MODIFIED:20200320T101500Z\r\n",
    "SEQUENCE:3\r\n",
    "DTSTART;VALUE=DATE:20200131\r\n",
    "DTEND;VALUE=DATE:20200201\r\n",
    "SUMMARY:Abstract deadline: EuroELSO 2020 Congress\r\n",
    "DESCRIPTION:Abstract submission\\n\\nEuroELSO: https://www.euroelso.net/congr\r\n",
    " ess/\r\n",
    "URL:https://www.euroelso.net/congress/\r\n",
    "CATEGORIES:deadline,EuroELSO\r\n",
    "STATUS:CANCELLED\r\n",
    "TRANSP:TRANSPARENT\r\n",
    "END:VEVENT\r\n",
    "END:VCALENDAR\r\n",
);

#[test]
fn golden_calendar_is_written_byte_for_byte() {
    let written = write(&golden_items(), &golden_options());
    if written != GOLDEN {
        // Line by line, so a failure points at the first difference.
        for (n, (got, want)) in written.split("\r\n").zip(GOLDEN.split("\r\n")).enumerate() {
            assert_eq!(got, want, "physical line {n}");
        }
        assert_eq!(written, GOLDEN);
    }
    assert_physical_lines(&written);
}

#[test]
fn golden_calendar_parses_back_to_the_items() {
    let items = golden_items();
    let calendar = parse(&write(&items, &golden_options()));
    assert_eq!(calendar.one("VERSION"), "2.0");
    assert_eq!(calendar.one("NAME"), "ECMO courses\\, webinars & grants");
    assert_eq!(
        calendar.one("X-WR-CALNAME"),
        "ECMO courses, webinars & grants"
    );
    assert_eq!(calendar.one("REFRESH-INTERVAL"), "PT12H");
    let events = events(&calendar);
    assert_eq!(
        events.len(),
        6,
        "4 events with a day, 2 deadline events, no report"
    );

    let course = &items[0];
    let e = events[0];
    assert_eq!(e.one("UID"), format!("{}@perfusiond", course.id));
    assert_eq!(e.one("SUMMARY"), course.title);
    assert_eq!(
        e.one("DESCRIPTION"),
        format!(
            "{}\n\nEuroELSO: https://www.euroelso.net/education/courses/",
            course.summary
        )
    );
    assert_eq!(
        e.one("LOCATION"),
        "University Regensburg, Lecture Theatre A2 (Entrance West), Regensburg, DE"
    );
    assert_eq!(e.one("DTSTART"), "20240923");
    assert_eq!(
        e.all("DTSTART")[0].params,
        vec![("VALUE".to_owned(), "DATE".to_owned())]
    );
    // 23–27 September inclusive: exclusive end on the 28th.
    assert_eq!(e.one("DTEND"), "20240928");
    assert_eq!(e.one("SEQUENCE"), "2");
    assert_eq!(e.one("URL"), course.url);
    assert_eq!(categories(e.one("CATEGORIES")), ["course", "EuroELSO"]);
    assert!(e.children.is_empty(), "no alarm on the course itself");

    let e = events[1];
    assert_eq!(
        e.one("UID"),
        "euroelso-2024-regensburg-adult-ecmo-registration-20240831@perfusiond"
    );
    assert_eq!(
        e.one("SUMMARY"),
        "Registration deadline: Regensburg 9th Adult ECMO Training Course"
    );
    assert_eq!(e.one("DTSTART"), "20240831");
    assert_eq!(e.one("DTEND"), "20240901");
    assert_eq!(e.children.len(), 1);
    assert_eq!(e.children[0].name, "VALARM");
    assert_eq!(e.children[0].one("TRIGGER"), "-P7D");
    assert_eq!(e.children[0].one("ACTION"), "DISPLAY");

    let webinar = &items[1];
    let e = events[2];
    assert_eq!(e.one("SUMMARY"), webinar.title);
    // 19:00 AEST (+10: daylight saving starts on 2 October 2022) is 09:00Z.
    assert_eq!(e.one("DTSTART"), "20220929T090000Z");
    assert_eq!(e.one("DTEND"), "20220929T100000Z");
    assert_eq!(e.one("LOCATION"), "Online");
    assert_eq!(e.one("DESCRIPTION"), "ANZCP: https://anzcp.org/events/");

    let e = events[3];
    assert_eq!(
        e.one("SUMMARY"),
        "Application deadline: ELSO 2022 Research Grant Application"
    );
    assert_eq!(
        e.one("DESCRIPTION"),
        "Letters of intent\ndue 23:59 America/Los_Angeles\n\n\
         ELSO: https://www.elso.org/grants/researchgrants.aspx"
    );
    assert_eq!(e.one("DTSTART"), "20210930");
    assert_eq!(e.one("DTEND"), "20211001");
    assert_eq!(e.one("SEQUENCE"), "1");
    assert_eq!(e.get("LOCATION"), None);

    let e = events[4];
    assert_eq!(e.one("STATUS"), "CANCELLED");
    assert_eq!(e.one("LOCATION"), "ExCeL London, London, United Kingdom");
    let e = events[5];
    assert_eq!(e.one("STATUS"), "CANCELLED");
    assert!(
        e.children.is_empty(),
        "no reminder for a cancelled congress"
    );
}
