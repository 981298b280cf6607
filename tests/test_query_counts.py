"""Every page runs the same, small number of SQL statements however much its cohort holds."""

from .pages import expected_status, grow, misnamed_pages, set_scene, unlisted_pages, visits

# Room above today's pages; a page that needs more should say why.
MOST_STATEMENTS_PER_PAGE = 15


def _count_every_page(app, scene, people, count_queries) -> dict[str, int]:
    counts = {}
    for name, url, client in visits(app, scene, people.facilitator):
        client.get(url)  # the first visit marks things read; measure a visit like any other
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == expected_status(name), name
        counts[name] = len(statements)
    return counts


def test_every_page_runs_the_same_few_statements_for_a_small_and_a_large_cohort(app, people, count_queries):
    scene = set_scene(app, people)
    small = _count_every_page(app, scene, people, count_queries)
    with app.test_request_context(base_url="http://cohort.test"):
        grow(scene, people, 12)
    large = _count_every_page(app, scene, people, count_queries)
    assert misnamed_pages(app, scene) == {}
    assert {name: (small[name], large[name]) for name in small if small[name] != large[name]} == {}
    assert {name: count for name, count in large.items() if count > MOST_STATEMENTS_PER_PAGE} == {}


def test_every_page_is_measured_and_walked(app):
    """A new page joins the list in tests/pages.py: then it is measured here, and the browser walk
    screenshots it and checks its accessibility."""
    assert unlisted_pages(app) == set()


def test_the_personal_data_export_runs_the_same_statements_however_much_its_person_wrote(app, people, count_queries):
    scene = set_scene(app, people)
    client = app.test_client()
    client.login(people.facilitator)

    def statements_of_export() -> int:
        with count_queries() as statements:
            response = client.get("/account/my-data.json")
        assert response.status_code == 200
        return len(statements)

    small = statements_of_export()
    with app.test_request_context(base_url="http://cohort.test"):
        grow(scene, people, 12)
    assert statements_of_export() == small
