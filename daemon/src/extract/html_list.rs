//! Listing pages: one element per item, found by CSS selectors.
//!
//! `item` selects the items; the other selectors are applied inside each
//! item and read its text, or an attribute with `selector@attr`. An item
//! without a title is skipped. Links resolve against the page's URL.
//! A `next` selector, applied to the whole page, finds the next page of a
//! list that is split over several.

use scraper::{ElementRef, Html};
use url::Url;

use super::{ExtractError, RawItem, expect_html, text, web_link};
use crate::config::{HtmlList, Selector};
use crate::fetch::Fetched;

pub(super) fn extract(list: &HtmlList, fetched: &Fetched) -> Result<Vec<RawItem>, ExtractError> {
    expect_html(fetched)?;
    let page = String::from_utf8_lossy(&fetched.body);
    let html = Html::parse_document(&page);
    let items = html
        .select(&list.item.css)
        .filter_map(|element| {
            let title = read(element, &list.title).map(|t| text::one_line(&t))?;
            if title.is_empty() {
                return None;
            }
            let link = match &list.link {
                Some(selector) => read(element, selector),
                None => first_href(element, &fetched.url),
            }
            .and_then(|href| fetched.url.join(href.trim()).ok())
            .map(String::from);
            Some(RawItem {
                title,
                date_text: list.date.as_ref().and_then(|s| read(element, s)),
                end_date_text: list.end_date.as_ref().and_then(|s| read(element, s)),
                location: list.location.as_ref().and_then(|s| read(element, s)),
                link,
                summary: list.summary.as_ref().and_then(|s| read_all(element, s)),
                posted_text: list.posted.as_ref().and_then(|s| read(element, s)),
                ..RawItem::default()
            })
        })
        .collect();
    Ok(items)
}

/// The page the `next` selector links to, resolved against this page.
/// Without `@attr` the element's `href` is read: the text of a next link
/// ("Next »") is no address.
pub(super) fn next_page(list: &HtmlList, fetched: &Fetched) -> Option<Url> {
    let selector = list.next.as_ref()?;
    expect_html(fetched).ok()?;
    let page = String::from_utf8_lossy(&fetched.body);
    let html = Html::parse_document(&page);
    let found = html.select(&selector.css).next()?;
    let attr = selector.attr.as_deref().unwrap_or("href");
    let href = found.value().attr(attr)?.trim();
    if href.is_empty() || href.starts_with('#') || href.starts_with("javascript:") {
        return None;
    }
    fetched.url.join(href).ok()
}

/// The text (or attribute) of the first match inside `element`, when not
/// empty. The item element itself matches when the selector is `:scope`.
fn read(element: ElementRef<'_>, selector: &Selector) -> Option<String> {
    let found = element.select(&selector.css).next()?;
    value_of(found, selector)
}

/// Every match inside `element`, each on its own line: a summary may be
/// several paragraphs.
fn read_all(element: ElementRef<'_>, selector: &Selector) -> Option<String> {
    let parts: Vec<String> = element
        .select(&selector.css)
        .filter_map(|found| value_of(found, selector))
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

fn value_of(found: ElementRef<'_>, selector: &Selector) -> Option<String> {
    let value = match &selector.attr {
        Some(attr) => found.value().attr(attr)?.trim().to_owned(),
        None => text::of_element(found),
    };
    (!value.is_empty()).then_some(value)
}

/// The first link inside `element` to another web page: DNN skins post
/// back in JavaScript from the title and link the page further on.
fn first_href(element: ElementRef<'_>, page: &Url) -> Option<String> {
    let a = scraper::Selector::parse("a[href]").expect("a valid selector");
    element
        .select(&a)
        .filter_map(|a| a.value().attr("href"))
        .find(|href| !href.trim().starts_with('#') && web_link(page, href).is_some())
        .map(str::to_owned)
}
