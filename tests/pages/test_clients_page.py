"""The Clients page and the client record's chart tab."""


def test_clients_page_lists_and_searches(app):
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Clients"
    table = at.dataframe[0].value
    assert len(table) == 44 and "Zoë Ñúñez" in set(table["Client"])
    at.text_input(key="client_search").input("ñúñez").run()
    assert list(at.dataframe[0].value["Client"]) == ["Zoë Ñúñez"]
    at.text_input(key="client_search").input("nobody-like-this").run()
    assert "No client matches" in at.info[0].value


def test_client_record_shows_chart_at_a_glance(app):
    at = app()
    at.query_params["client"] = "C1001"
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert at.title[0].value == "Zoë Ñúñez"
    subheaders = [s.value for s in at.subheader]
    assert subheaders == [
        "Score trends",
        "Active diagnoses",
        "Current treatment plan",
        "Notes by type",
        "Treatment summaries",
    ]
    diagnoses = at.dataframe[0].value
    assert any(code.startswith("F3") for code in diagnoses["Code"])
    counts = dict(zip(at.dataframe[1].value["Type"], at.dataframe[1].value["Notes"]))
    assert counts["Progress"] > 10 and counts["Administrative"] > 0


def test_client_record_without_client_points_to_clients(app):
    at = app()
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert "Choose a client" in at.info[0].value


def test_unknown_client_is_a_clear_error(app):
    at = app()
    at.query_params["client"] = "C0000"
    at.switch_page("pages/client.py").run()
    assert not at.exception
    assert "No client with id 'C0000'" in at.error[0].value
