"""People get pages in Chinese for unknown addresses; programs get problem details."""

def test_unknown_console_address_shows_a_chinese_page(signed_in):
    client = signed_in("civil_clerk")
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    assert "页面不存在" in r.text


def test_unknown_api_address_is_a_problem_document(app_client):
    r = app_client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"
