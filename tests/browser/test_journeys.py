"""Journeys from a cold start, as people would click them."""

import re
from datetime import date, timedelta

from dateutil.relativedelta import TU, relativedelta
from icalendar import Calendar
from playwright.sync_api import expect

from cohort.cohorts import ops as cohort_ops
from cohort.extensions import db
from cohort.models import PostKind, utcnow
from cohort.posts import ops as post_ops
from cohort.tokens import invitation_token

from .. import factories
from .conftest import sign_in
from .data import cast
from .test_pages import _violations

NEW_PASSWORD = "a long and careful passphrase"


def test_from_invitation_to_outcome_session_and_search(live_server, new_context, tmp_path):
    people = cast(live_server)

    # A facilitator invites a CEO by email.
    facilitator = new_context().new_page()
    sign_in(facilitator, live_server, people.facilitator, people.password)
    facilitator.get_by_role("link", name=people.cohort_name).click()
    cohort_nav(facilitator, people).get_by_role("link", name="Invitations").click()
    facilitator.get_by_label("Email addresses").fill("grace.adeyemi@lakeside.example.org")
    facilitator.get_by_role("button", name="Send invitations").click()
    expect(facilitator.get_by_text("Sent 1 invitation.")).to_be_visible()
    invitation = [link for link in live_server.mailed_links() if "/invite/" in link][-1]

    # The CEO opens it; the browser's own time zone is suggested; they accept the charter.
    ceo = new_context(timezone_id="America/New_York").new_page()
    ceo.goto(invitation)
    expect(ceo.get_by_label("Your time zone")).to_have_value("America/New_York")
    ceo.get_by_label("Full name").fill("Grace Adeyemi")
    ceo.get_by_label("Organisation").fill("Lakeside University Hospitals")
    ceo.get_by_label("Job title").fill("Chief Executive")
    ceo.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    ceo.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    ceo.get_by_role("button", name="Create my account and join").click()
    expect(ceo.get_by_role("heading", name=re.compile("The charter of"))).to_be_visible()
    ceo.get_by_role("button", name="I accept the charter").click()
    expect(ceo.get_by_text("Thank you for accepting the charter.")).to_be_visible()

    # The CEO posts a challenge.
    ceo.get_by_role("link", name="Bring a challenge").click()
    ceo.get_by_label("Title").fill("Outpatient backlog in the fracture clinic")
    ceo.get_by_label("Tell the cohort").fill("Our fracture clinic waits are **14 days**. What worked for you?")
    ceo.get_by_role("button", name="Share", exact=True).click()
    expect(ceo.get_by_role("heading", name="Outpatient backlog in the fracture clinic")).to_be_visible()
    thread = ceo.url

    # Two members reply, one to the other.
    advisor = new_context().new_page()
    sign_in(advisor, live_server, people.advisor, people.password)
    advisor.get_by_role("link", name=people.cohort_name).click()
    advisor.get_by_role("link", name="Outpatient backlog in the fracture clinic").click()
    advisor.locator("#reply-body-top").fill("Review referrals virtually first: we moved 60% to virtual care plans.")
    advisor.get_by_role("button", name="Send reply").last.click()
    expect(advisor.get_by_text("we moved 60% to virtual care plans")).to_be_visible()
    second = new_context().new_page()
    sign_in(second, live_server, people.second_advisor, people.password)
    second.get_by_role("link", name=people.cohort_name).click()
    cohort_nav(second, people).get_by_role("link", name="Stories & challenges").click()
    second.get_by_role("link", name="Outpatient backlog in the fracture clinic").click()
    first_reply = second.locator("li.reply").first
    first_reply.get_by_role("link", name="Reply", exact=True).click()
    first_reply.get_by_label("Your reply to Priya Raman").fill("How did you get the consultants on board?")
    first_reply.get_by_role("button", name="Send reply").click()
    expect(second.locator("li.reply.indent-1")).to_contain_text("How did you get the consultants on board?")

    # The CEO marks the advice helpful, says what they will try, and later what happened.
    ceo.reload()
    ceo.locator("li.reply").first.get_by_label("More actions").click()
    ceo.locator("li.reply").first.get_by_role("button", name="Mark helpful").click()
    expect(ceo.get_by_text("1 marked helpful")).to_be_visible()
    ceo.get_by_role("link", name="Record what I’ll try").click()
    ceo.get_by_label("What I’ll try").fill("A consultant and a physio review each referral within 72 hours.")
    ceo.get_by_role("button", name="Share my commitment").click()
    expect(ceo.get_by_text("Trying something")).to_be_visible()
    ceo.get_by_role("link", name="Record what happened next").click()
    ceo.get_by_label("What happened next").fill("Stable injuries now get a virtual care plan.")
    ceo.locator("#results-0-measure").fill("ED referrals managed as virtual care plans")
    ceo.locator("#results-0-unit").fill("%")
    ceo.locator("#results-0-baseline").fill("0")
    ceo.locator("#results-0-result").fill("60")
    ceo.locator("#results-0-period").fill("Jan–Jun 2026")
    ceo.get_by_role("button", name="Share what happened").click()
    expect(ceo.locator(".outcome .result")).to_contain_text("+60 percentage points")
    expect(ceo.get_by_text("Resolved", exact=True)).to_be_visible()

    # The facilitator schedules a monthly series, previewing it first.
    cohort_nav(facilitator, people).get_by_role("link", name="Sessions").click()
    facilitator.get_by_role("link", name="Schedule sessions").click()
    first = date(date.today().year + 1, 1, 1) + relativedelta(weekday=TU(2))  # always ahead
    facilitator.get_by_label("Date", exact=True).fill(first.isoformat())
    facilitator.get_by_label("Start time").fill("15:00")
    facilitator.get_by_label("Time zone", exact=True).select_option("Europe/London")
    # Monthly options show only while the session repeats.
    facilitator.get_by_label("Just once").check()
    expect(facilitator.get_by_label("Number of sessions")).to_be_hidden()
    facilitator.get_by_label("Every month").check()
    facilitator.get_by_label("Number of sessions").fill("12")
    facilitator.get_by_role("button", name="Preview the dates").click()
    expect(
        facilitator.get_by_text(f"2nd Tuesday of each month, 15:00 London, 12 sessions from {first:%-d %B %Y}.")
    ).to_be_visible()
    facilitator.get_by_role("button", name="Schedule").click()
    expect(facilitator.get_by_text("Scheduled:")).to_be_visible()

    # A member finds it on their dashboard, answers yes there, and downloads the calendar file.
    advisor.get_by_role("navigation", name="Main").get_by_role("link", name="My cohorts").click()
    first_card = advisor.locator(".session-card").first
    first_card.get_by_role("button", name=re.compile("^Yes")).click()
    expect(first_card).to_contain_text("Your answer: yes.")  # the page reloads; the locator finds the card again
    first_card.get_by_role("link", name="Monthly session").click()
    next_day = first + timedelta(days=1)
    expect(advisor.get_by_text(f"15:00 London · Wed {next_day:%-d %b}, 02:00 your time (Sydney)")).to_be_visible()
    expect(advisor.get_by_text("You said yes.")).to_be_visible()
    with advisor.expect_download() as download_info:
        advisor.get_by_role("link", name="Add to my calendar (.ics)").click()
    ics = tmp_path / "session.ics"
    download_info.value.save_as(ics)
    (event,) = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event.decoded("dtstart").strftime("%Y-%m-%d %H:%M") == f"{first} 15:00"

    # Search finds the challenge.
    cohort_nav(advisor, people).get_by_role("link", name="Stories & challenges").click()
    advisor.get_by_label("Search the cohort").fill("fracture clinic")
    advisor.get_by_label("Search the cohort").press("Enter")
    expect(advisor.get_by_role("link", name="Outpatient backlog in the fracture clinic")).to_be_visible()

    # Someone from another cohort gets the not-found page.
    outsider = new_context().new_page()
    sign_in(outsider, live_server, people.outsider, people.password)
    response = outsider.goto(thread)
    assert response.status == 404
    expect(outsider.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(outsider.locator("body")).not_to_contain_text("fracture")


def cohort_nav(page, people):
    return page.get_by_role("navigation", name=people.cohort_name)


def test_wrong_password_says_so_and_keeps_the_email(live_server, new_context):
    people = cast(live_server)
    page = new_context().new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(people.advisor)
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That email and password do not match.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(people.advisor)


def test_a_long_reply_survives_a_failed_submission(live_server, new_context):
    people = cast(live_server)
    page = new_context().new_page()
    sign_in(page, live_server, people.facilitator, people.password)
    page.goto(f"{live_server.url}/c/{people.slug}/posts/new?kind=story")
    page.get_by_label("Title").fill("A story to answer")
    page.get_by_label("Tell the cohort").fill("Something that worked.")
    page.get_by_role("button", name="Share", exact=True).click()
    long_reply = "We tried this across three hospitals and learned a great deal. " * 900  # past the limit
    page.locator("#reply-body-top").fill(long_reply)
    page.get_by_role("button", name="Send reply").last.click()
    expect(page.get_by_text("Keep it under")).to_be_visible()
    assert page.locator("#reply-body-top").input_value() == long_reply


def test_the_calendar_link_copies_with_one_click(live_server, new_context):
    people = cast(live_server)
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, live_server, people.advisor, people.password)
    page.get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("#calendar-copied")).to_have_text("Copied.")
    link = page.get_by_label("Your calendar link").input_value()
    assert link.endswith(".ics") and page.evaluate("navigator.clipboard.readText()") == link


def test_a_single_session_hides_and_does_not_send_the_monthly_options(live_server, new_context):
    people = cast(live_server)
    page = new_context().new_page()
    sign_in(page, live_server, people.facilitator, people.password)
    page.goto(f"{live_server.url}/c/{people.slug}/sessions/new")
    page.get_by_label("Number of sessions").fill("30")  # out of range, then hidden by the next choice
    page.get_by_label("Just once").check()
    expect(page.get_by_label("Number of sessions")).to_be_hidden()
    expect(page.get_by_label("Number of sessions")).to_be_disabled()
    page.get_by_label("Date", exact=True).fill(f"{date.today().year + 1}-02-10")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("Scheduled: One session,")).to_be_visible()


def test_back_after_sharing_then_share_again_makes_no_second_post(live_server, new_context):
    people = cast(live_server)
    page = new_context().new_page()
    sign_in(page, live_server, people.advisor, people.password)
    page.goto(f"{live_server.url}/c/{people.slug}/posts/new?kind=story")
    page.get_by_label("Title").fill("Criteria-led discharge")
    page.get_by_label("Tell the cohort").fill("Nurses discharge against criteria the consultant set.")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("Shared with the cohort.")).to_be_visible()
    thread = page.url
    page.go_back()
    expect(page.get_by_label("Title")).to_have_value("Criteria-led discharge")  # the browser kept what was typed
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("This was already shared.")).to_be_visible()
    assert page.url == thread
    page.goto(f"{live_server.url}/c/{people.slug}/posts/")
    expect(page.get_by_role("link", name="Criteria-led discharge")).to_have_count(1)


def test_a_reply_sent_after_the_session_lapsed_is_back_after_signing_in(live_server, new_context):
    people = cast(live_server)
    context = new_context()
    page = context.new_page()
    sign_in(page, live_server, people.facilitator, people.password)
    page.goto(f"{live_server.url}/c/{people.slug}/posts/new?kind=challenge")
    page.get_by_label("Title").fill("Winter bed pressures")
    page.get_by_label("Tell the cohort").fill("How do you plan for January?")
    page.get_by_role("button", name="Share", exact=True).click()
    thread = page.url
    advice = "Open a discharge lounge from 8am,\nwith pharmacy on the morning ward round."
    page.locator("#reply-body-top").fill(advice)
    context.clear_cookies(name="session")  # as when the browser was closed and opened again
    page.get_by_role("button", name="Send reply").last.click()
    expect(page.get_by_text("You were signed out, so what you wrote was not sent.")).to_be_visible()
    page.get_by_label("Email").fill(people.facilitator)
    page.get_by_label("Password").fill(people.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Your session had expired, so your reply was not sent.")).to_be_visible()
    assert page.url == f"{thread}#reply-heading"
    expect(page.locator("#reply-body-top")).to_have_value(advice)
    page.get_by_role("button", name="Send reply").last.click()
    expect(page.locator("li.reply")).to_contain_text("Open a discharge lounge from 8am")


def test_a_facilitator_announces_and_a_member_finds_it_pinned_on_the_cohort_home(live_server, new_context):
    people = cast(live_server)
    title = "Next session: making room to lead differently"

    # The facilitator posts an announcement: who sees it and measured results do not apply to one.
    facilitator = new_context().new_page()
    sign_in(facilitator, live_server, people.facilitator, people.password)
    facilitator.get_by_role("link", name=people.cohort_name).click()
    facilitator.get_by_role("link", name="Post an announcement").click()
    expect(facilitator.get_by_role("radio", name=re.compile("^An announcement"))).to_be_checked()
    expect(facilitator.get_by_text("Who sees it")).to_be_hidden()
    expect(facilitator.get_by_text("Measured results")).to_be_hidden()
    facilitator.get_by_role("radio", name=re.compile("^A story")).check()
    expect(facilitator.get_by_text("Who sees it")).to_be_visible()
    facilitator.get_by_role("radio", name=re.compile("^An announcement")).check()
    expect(facilitator.get_by_text("Who sees it")).to_be_hidden()
    facilitator.get_by_label("Title").fill(title)
    facilitator.get_by_label("Tell the cohort").fill("Bring **one task** you could hand over or stop.")
    facilitator.get_by_role("button", name="Share", exact=True).click()
    expect(facilitator.get_by_text("Announced to the cohort, and pinned on the cohort home.")).to_be_visible()
    thread = facilitator.url

    # A member finds it at the top of the cohort home, and asks a question under it.
    member = new_context().new_page()
    sign_in(member, live_server, people.advisor, people.password)
    member.get_by_role("link", name=people.cohort_name).click()
    pinned = member.get_by_role("region", name="Announcements")
    expect(pinned.get_by_role("heading", name=title)).to_be_visible()
    expect(pinned).to_contain_text("Miriam Okafor")
    expect(pinned.locator("strong", has_text="one task")).to_be_visible()
    pinned.get_by_role("link", name=re.compile("read and reply")).click()
    member.locator("#reply-body-top").fill("Can I bring my deputy?")
    member.get_by_role("button", name="Send reply").last.click()
    expect(member.locator("li.reply")).to_contain_text("Can I bring my deputy?")
    expect(member.get_by_role("button", name="Unpin from the cohort home")).to_have_count(0)

    # The facilitator unpins it: it leaves the home page and stays among the posts.
    facilitator.goto(thread)
    facilitator.get_by_role("button", name="Unpin from the cohort home").click()
    expect(facilitator.get_by_text("Unpinned: it is no longer on the cohort home.")).to_be_visible()
    member.goto(f"{live_server.url}/c/{people.slug}/")
    expect(member.get_by_role("region", name="Announcements")).to_have_count(0)
    member.goto(f"{live_server.url}/c/{people.slug}/posts/?kind=announcement")
    expect(member.get_by_role("link", name=title)).to_be_visible()


def test_typing_at_offers_members_and_the_reply_links_to_the_one_picked(live_server, new_context):
    people = cast(live_server)
    with live_server.app.app_context():
        cohort = cohort_ops.find_cohort(people.slug)
        samir = factories.make_member(cohort, factories.make_user(name="Samir Haddad"))
        sarah = factories.make_member(cohort, factories.make_user(name="Sarah O'Neill"))
        factories.make_member(factories.make_cohort(), factories.make_user(name="Sarah Elsewhere"))
        post = factories.make_post(cohort, cohort_ops.find_user(people.facilitator), kind=PostKind.CHALLENGE)
        db.session.commit()
        handles = (samir.user.handle, sarah.user.handle)
        sarah_id, post_id = sarah.user_id, post.id

    page = new_context().new_page()
    sign_in(page, live_server, people.advisor, people.password)
    page.goto(f"{live_server.url}/c/{people.slug}/posts/{post_id}")
    box = page.locator("#reply-body-top")
    box.press_sequentially("Ask @sa")
    offered = page.get_by_role("listbox", name="Members to mention").get_by_role("option")
    expect(offered).to_have_text([f"Samir Haddad @{handles[0]}", f"Sarah O'Neill @{handles[1]}"])  # not Elsewhere
    expect(box).to_have_attribute("aria-activedescendant", offered.first.get_attribute("id"))
    assert _violations(page) == []  # axe, with the list open
    page.keyboard.press("ArrowDown")
    expect(offered.nth(1)).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", offered.nth(1).get_attribute("id"))
    page.keyboard.press("Enter")
    expect(box).to_have_value(f"Ask @{handles[1]} ")
    expect(offered).to_have_count(0)

    box.press_sequentially("about the huddles, or @sam")
    expect(offered).to_have_count(1)
    page.keyboard.press("Escape")
    expect(offered).to_have_count(0)
    expect(box).to_have_value(f"Ask @{handles[1]} about the huddles, or @sam")  # Escape keeps what was typed
    box.fill(f"Ask @{handles[1]} about the huddles.")
    page.get_by_role("button", name="Send reply").last.click()

    mention = page.locator("li.reply a.mention")
    expect(mention).to_have_text(f"@{handles[1]}")
    mention.click()
    expect(page).to_have_url(re.compile(rf"/c/{people.slug}/members/{sarah_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sarah O'Neill")


def test_signing_out_clears_what_the_site_stored_and_still_says_so(live_server, new_context):
    people = cast(live_server)
    page = new_context().new_page()
    sign_in(page, live_server, people.advisor, people.password)
    page.evaluate("localStorage.setItem('left-behind', 'the advisor was here')")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()  # the session cookie survived the clearing
    assert page.evaluate("localStorage.getItem('left-behind')") is None
    sign_in(page, live_server, people.advisor, people.password)  # and the next sign-in works as before
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_member_answers_and_thanks_a_reply_with_the_form_moved_under_it(live_server, new_context):
    people = cast(live_server)
    with live_server.app.app_context():
        cohort = cohort_ops.find_cohort(people.slug)
        post = factories.make_post(cohort, cohort_ops.find_user(people.facilitator), kind=PostKind.CHALLENGE)
        advice = post_ops.add_reply(
            factories.member_of(cohort_ops.find_user(people.advisor), cohort), post, "Huddle at 8."
        )
        db.session.commit()
        thread, advice_id = f"{live_server.url}/c/{people.slug}/posts/{post.id}", advice.id

    page = new_context().new_page()
    sign_in(page, live_server, people.second_advisor, people.password)
    page.goto(thread)
    advice_item = page.locator(f"#reply-{advice_id}")
    expect(advice_item.locator("form")).to_have_count(0)  # no form of its own until asked

    # "Reply" moves the page's one reply form under the advice, named after whom it answers.
    advice_item.get_by_role("link", name="Reply", exact=True).click()
    box = advice_item.get_by_label("Your reply to Priya Raman")
    expect(box).to_be_focused()
    assert page.url == thread  # the form came to the reply; the page did not change
    assert _violations(page) == []
    box.fill("Who runs it when you are away?")
    advice_item.get_by_role("button", name="Send reply").click()
    expect(page.locator("li.reply.indent-1")).to_contain_text("Who runs it when you are away?")

    # "Thanks" moves the one thanks form there, with the cohort's values to name.
    advice_item = page.locator(f"#reply-{advice_id}")
    advice_item.get_by_role("link", name="Thanks", exact=True).click()
    choice = advice_item.get_by_label("Thank Priya Raman")
    expect(choice).to_be_focused()
    choice.select_option(label="Thanks for Candour")
    advice_item.get_by_role("button", name="Say thanks").click()
    expect(page.locator(f"#reply-{advice_id} .thanks-who")).to_contain_text("Thanks (1) from Tom Lindqvist for Candour")

    # The rarer actions wait behind "⋯", which Escape closes again.
    menu = page.locator(f"#reply-{advice_id}").get_by_label("More actions")
    menu.click()
    expect(page.locator(f"#reply-{advice_id}").get_by_role("link", name="Flag for the facilitators")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator(f"#reply-{advice_id}").get_by_role("link", name="Flag for the facilitators")).to_be_hidden()
    expect(menu).to_be_focused()


def test_a_reply_is_previewed_and_comes_back_after_the_tab_was_closed(live_server, new_context):
    people = cast(live_server)
    with live_server.app.app_context():
        cohort = cohort_ops.find_cohort(people.slug)
        post = factories.make_post(cohort, cohort_ops.find_user(people.facilitator), kind=PostKind.CHALLENGE)
        db.session.commit()
        thread = f"{live_server.url}/c/{people.slug}/posts/{post.id}"
    context = new_context()
    page = context.new_page()
    sign_in(page, live_server, people.advisor, people.password)
    page.goto(thread)
    text = "**Start small**: one ward first.\n\n| Week | Referrals |\n| --- | --- |\n| 1 | 12 |\n\nSee www.nhs.uk"
    page.locator("#reply-body-top").fill(text)

    page.get_by_role("button", name="Preview").first.click()
    preview = page.locator("#reply-body-top-preview")
    expect(preview.locator("strong")).to_have_text("Start small")
    expect(preview.locator("td").last).to_have_text("12")
    expect(preview.get_by_role("link", name="www.nhs.uk")).to_have_attribute("href", "http://www.nhs.uk")
    assert _violations(page) == []
    page.locator("#reply-body-top").press("End")  # typing again hides the preview of the old text
    page.keyboard.type("!")
    expect(preview).to_be_hidden()

    # Leaving with unsent text asks first; staying keeps it.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    cohort_nav(page, people).get_by_role("link", name="Members").click()
    for _ in range(50):
        if asked:
            break
        page.wait_for_timeout(100)
    assert asked == ["beforeunload"]
    expect(page.locator("#reply-body-top")).to_have_value(text + "!")
    _wait_for_draft(page, "www.nhs.uk!")
    page.close()  # the tab closes mid-reply
    page = context.new_page()
    page.goto(thread)
    expect(page.get_by_text("You have unsent text here from")).to_be_visible()
    expect(page.locator("#reply-body-top")).to_have_value("")
    page.get_by_role("button", name="Restore it").click()
    expect(page.locator("#reply-body-top")).to_have_value(text + "!")
    page.get_by_role("button", name="Send reply").last.click()
    expect(page.locator("li.reply").last).to_contain_text("one ward first.")

    page.goto(thread)  # sent: nothing is offered again
    expect(page.locator("li.reply").last).to_contain_text("one ward first.")
    expect(page.get_by_text("You have unsent text here from")).to_have_count(0)

    # The form moved under a reply previews too.
    page.locator("li.reply").last.get_by_role("link", name="Reply", exact=True).click()
    page.locator("form.inline-reply textarea").fill("**And** the wards after.")
    page.locator("form.inline-reply").get_by_role("button", name="Preview").click()
    expect(page.locator("form.inline-reply .preview strong")).to_have_text("And")

    # A form nothing was typed in asks nothing on leaving, and offers nothing back.
    page.goto(f"{live_server.url}/c/{people.slug}/posts/new?kind=story")
    asked.clear()
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    cohort_nav(page, people).get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    page.goto(f"{live_server.url}/c/{people.slug}/posts/new?kind=story")
    expect(page.get_by_label("Title")).to_be_visible()
    assert asked == []
    expect(page.get_by_text("You have unsent text here from")).to_have_count(0)


def _wait_for_draft(page, fragment: str) -> None:
    """Until the browser has kept a draft holding ``fragment`` (it saves a moment after typing stops).
    Polled from here: the page's CSP, rightly, forbids the string evaluation wait_for_function uses."""
    for _ in range(50):
        if page.evaluate("(fragment) => Object.values(localStorage).some((kept) => kept.includes(fragment))", fragment):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no draft holding {fragment!r} was kept")


def test_the_time_zone_is_found_by_country_and_a_devices_old_zone_name_is_known(live_server, new_context):
    people = cast(live_server)
    with live_server.app.app_context():
        cohort = cohort_ops.find_cohort(people.slug)
        leading = factories.member_of(cohort_ops.find_user(people.facilitator), cohort)
        invitation = cohort_ops.create_invitation_link(leading, expires_at=utcnow() + timedelta(days=1), max_uses=1)
        db.session.commit()
        link = f"{live_server.url}/invite/{invitation_token(invitation.id, invitation.key)}"

    # Chromium still reports India's zone by its old name; the list knows it as Kolkata.
    page = new_context(timezone_id="Asia/Calcutta").new_page()
    page.goto(link)
    zone = page.get_by_label("Your time zone")
    expect(zone).to_have_value("Asia/Kolkata")
    finder = page.get_by_label("Find a time zone")
    finder.fill("norway")
    expect(zone).to_have_value("Europe/Oslo")
    expect(page.get_by_text("1 time zone match; the first is chosen.")).to_be_visible()
    finder.fill("+05:45")
    expect(zone).to_have_value("Asia/Kathmandu")
    finder.fill("kiev")  # the city's old spelling finds it too
    expect(zone).to_have_value("Europe/Kyiv")
    finder.fill("atlantis")
    expect(page.get_by_text("No time zone matches.")).to_be_visible()
    expect(zone).to_have_value("Europe/Kyiv")
    assert _violations(page) == []


def test_on_a_phone_a_reply_carries_a_pdf_and_a_photo_and_a_peer_is_thanked_and_looked_up(
    live_server, new_context, tmp_path
):
    people = cast(live_server)
    with live_server.app.app_context():
        cohort = cohort_ops.find_cohort(people.slug)
        post = factories.make_post(cohort, cohort_ops.find_user(people.facilitator), kind=PostKind.CHALLENGE)
        advice = post_ops.add_reply(
            factories.member_of(cohort_ops.find_user(people.advisor), cohort), post, "Huddle at 8."
        )
        db.session.commit()
        thread, advice_id = f"{live_server.url}/c/{people.slug}/posts/{post.id}", advice.id
    protocol, chart = tmp_path / "Huddle protocol.pdf", tmp_path / "chart.png"
    protocol.write_bytes(factories.PDF)
    chart.write_bytes(factories.make_png(size=(800, 500)))

    page = new_context(viewport={"width": 390, "height": 844}, has_touch=True).new_page()
    sign_in(page, live_server, people.second_advisor, people.password)
    page.goto(thread)
    advice_item = page.locator(f"#reply-{advice_id}")
    advice_item.get_by_role("link", name="Reply", exact=True).click()
    advice_item.get_by_label("Your reply to Priya Raman").fill("Ours is **attached**, with the chart.")
    advice_item.get_by_label("Attach files").set_input_files([protocol, chart])
    advice_item.get_by_role("button", name="Preview").click()
    expect(advice_item.locator(".preview strong")).to_have_text("attached")
    advice_item.get_by_role("button", name="Send reply").click()

    answer = page.locator("li.reply.indent-1")
    expect(answer).to_contain_text("Ours is attached")
    image = answer.get_by_role("img", name="chart.png")
    expect(image).to_be_visible()
    assert image.bounding_box()["width"] <= 390, "a wide photo fits the phone"
    link = answer.get_by_role("link", name="Huddle protocol.pdf")
    expect(answer).to_contain_text("PDF ·")
    served = page.request.get(live_server.url + link.get_attribute("href"))
    assert served.status == 200 and served.headers["content-type"] == "application/pdf"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert _violations(page) == []

    # Thanks from the row under the advice, each tap target big enough for a thumb.
    advice_item = page.locator(f"#reply-{advice_id}")
    row_links = advice_item.locator(".reply-row > a, .reply-row > button, .reply-row summary")
    for index in range(row_links.count()):
        box = row_links.nth(index).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, row_links.nth(index).inner_text()
    advice_item.get_by_role("link", name="Thanks", exact=True).click()
    advice_item.get_by_label("Thank Priya Raman").select_option(label="Thanks for Candour")
    advice_item.get_by_role("button", name="Say thanks").click()
    expect(page.locator(f"#reply-{advice_id} .thanks-who")).to_contain_text("Thanks (1) from Tom Lindqvist")

    # The peer's name leads to who they are.
    page.locator(f"#reply-{advice_id} .byline").get_by_role("link", name="Priya Raman").click()
    expect(page.get_by_role("heading", name="Priya Raman", level=1)).to_be_visible()
