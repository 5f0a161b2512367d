import pytest


@pytest.mark.req("GD-31")
def test_a_signed_in_clerk_sees_who_they_are(signed_in):
    client = signed_in("civil_clerk")
    me = client.get("/api/v1/me").json()
    assert me["name"] == "钱办事"
    assert me["roles"] == ["agency_staff"]
