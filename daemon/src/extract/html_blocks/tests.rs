//! EuroELSO's ECMO course page as it read in 2020 (date first) and in
//! 2024 (title first), and the page furniture around the blocks.

use url::Url;

use super::*;
use crate::config::{Labels, Selector};
use crate::fetch::Validators;

fn selector(css: &str) -> Selector {
    Selector {
        source: css.to_owned(),
        css: scraper::Selector::parse(css).unwrap(),
        attr: None,
    }
}

/// The labels EuroELSO's page uses, as sources.toml writes them.
fn euroelso() -> HtmlBlocks {
    let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    HtmlBlocks {
        container: selector(".entry-content"),
        split: selector("h2, h3, h4"),
        labels: Labels {
            fields: vec![
                (BlockField::Date, list(&["Dates", "Date"])),
                (BlockField::Location, list(&["Location"])),
                (BlockField::Organizer, list(&["Organization"])),
                (BlockField::Link, list(&["Programme", "Program"])),
            ],
        },
    }
}

fn page(body: &str) -> Fetched {
    Fetched {
        url: Url::parse("https://www.euroelso.net/ecmo-courses/").unwrap(),
        content_type: Some("text/html".to_owned()),
        body: format!("<html><body><div class=\"entry-content\">{body}</div></body></html>")
            .into_bytes(),
        page_date: Some("2020-02-10T09:00:00Z".parse().unwrap()),
        validators: Validators::default(),
    }
}

/// The 2020 page: a date heading, then the title, then labelled lines.
const DATE_FIRST: &str = r#"
<p>All information on current ECMO Course offers (endorsed by ELSO)</p>
<h4>7th March 2020</h4>
<p><strong>ECMO 2020: Controversies and insights</strong></p>
<p>Location: University Hospital Regensburg, Regensburg, Germany<br>
Organization: Thomas Müller / Britta Haseneder (<a href="/cdn-cgi/l/email-protection#1c68">[email&#160;protected]</a>)<br>
Program and further information: <a href="https://www.ecmo-regensburg.de/symposium/">www.ecmo-regensburg.de</a></p>
<p>The symposium brings together intensivists, perfusionists and nurses.</p>
<h4>5th - 8th October 2020</h4>
<p>-POSTPONED- ELSO ECMO Course I Adult ECMO for respiratory failure and septic shock</p>
<p>Location: Karolinska University Hospital, Stockholm, Sweden</p>
<p>Program and further information:<br><a href="https://www.karolinska.se/ecmo-course">Course page</a></p>
"#;

#[test]
fn date_first_blocks_take_the_title_from_the_next_line() {
    let items = extract(&euroelso(), &page(DATE_FIRST)).unwrap();
    assert_eq!(items.len(), 2, "{items:#?}");
    let symposium = &items[0];
    assert_eq!(symposium.title, "ECMO 2020: Controversies and insights");
    assert_eq!(symposium.date_text.as_deref(), Some("7th March 2020"));
    assert_eq!(
        symposium.location.as_deref(),
        Some("University Hospital Regensburg, Regensburg, Germany")
    );
    assert_eq!(
        symposium.organizer.as_deref(),
        Some("Thomas Müller / Britta Haseneder"),
        "no e-mail debris"
    );
    assert_eq!(
        symposium.link.as_deref(),
        Some("https://www.ecmo-regensburg.de/symposium/")
    );
    assert_eq!(
        symposium.summary.as_deref(),
        Some("The symposium brings together intensivists, perfusionists and nurses.")
    );
    let course = &items[1];
    assert_eq!(
        course.title,
        "-POSTPONED- ELSO ECMO Course I Adult ECMO for respiratory failure and septic shock"
    );
    assert_eq!(course.date_text.as_deref(), Some("5th - 8th October 2020"));
    assert_eq!(
        course.link.as_deref(),
        Some("https://www.karolinska.se/ecmo-course"),
        "the link on the line after its label"
    );
    assert_eq!(course.summary, None);
}

/// The 2024 page: the heading is the title; wrappers, a banner and a
/// contact block around the courses.
const TITLE_FIRST: &str = r#"
<div class="wp-block-group">
  <h3>Regensburg 9th Adult ECMO Training Course</h3>
  <p><strong>Date:</strong> 23 – 27 September 2024</p>
  <p><strong>Location:</strong> University Regensburg, Lecture Theatre A2 (Entrance West), Regensburg, Germany</p>
  <p>Programme and registration at <a href="https://www.ecmo-regensburg.de/kurse/">www.ecmo-regensburg.de</a></p>
  <div class="cookie-banner"><p>We use cookies to improve your experience.</p></div>
  <p>Five days of lectures, wet labs and simulation.</p>
</div>
<h3><a href="https://www.euroelso.net/ecmo-courses/paris/">The Pitié ECMO diploma</a></h3>
<p>Date:</p>
<p>several dates available in spring and summer 2024</p>
<p>Location: Paris, France</p>
<h3>Contact</h3>
<p>Questions about this list? Write to the EuroELSO office.</p>
"#;

#[test]
fn title_first_blocks_read_their_labels() {
    let items = extract(&euroelso(), &page(TITLE_FIRST)).unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Regensburg 9th Adult ECMO Training Course",
            "The Pitié ECMO diploma"
        ],
        "the contact block has no field and is no item"
    );
    let regensburg = &items[0];
    assert_eq!(
        regensburg.date_text.as_deref(),
        Some("23 – 27 September 2024")
    );
    assert_eq!(
        regensburg.link.as_deref(),
        Some("https://www.ecmo-regensburg.de/kurse/")
    );
    assert_eq!(
        regensburg.summary.as_deref(),
        Some("Five days of lectures, wet labs and simulation."),
        "no label lines, no cookie banner"
    );
    let paris = &items[1];
    assert_eq!(
        paris.date_text.as_deref(),
        Some("several dates available in spring and summer 2024"),
        "a label alone on its line takes the next line"
    );
    assert_eq!(paris.location.as_deref(), Some("Paris, France"));
    assert_eq!(
        paris.link.as_deref(),
        Some("https://www.euroelso.net/ecmo-courses/paris/"),
        "without a link label, the first link of the block"
    );
}

#[test]
fn a_missing_container_is_an_error_that_names_it() {
    let mut blocks = euroelso();
    blocks.container = selector("#content .post");
    let err = extract(&blocks, &page(TITLE_FIRST)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the container selector \"#content .post\" matches nothing on the page"
    );
}

#[test]
fn labels_are_whole_words_and_need_a_colon() {
    assert_eq!(
        value_after("Date: 23 – 27 September 2024", "Date", false).as_deref(),
        Some("23 – 27 September 2024")
    );
    assert_eq!(
        value_after("LOCATION : Paris", "Location", false).as_deref(),
        Some("Paris")
    );
    assert_eq!(
        value_after("Dates are to be announced", "Date", false),
        None
    );
    assert_eq!(
        value_after("Location of the course", "Location", false),
        None
    );
    assert_eq!(
        value_after("Programme and registration at x.de", "Programme", true).as_deref(),
        Some("and registration at x.de")
    );
}

#[test]
fn email_debris_is_cleaned() {
    assert_eq!(
        clean("Thomas Müller / Britta Haseneder ( [email protected] )"),
        "Thomas Müller / Britta Haseneder"
    );
    assert_eq!(clean("Contact: Jane Doe ("), "Contact: Jane Doe");
    assert_eq!(clean(")"), "");
}
