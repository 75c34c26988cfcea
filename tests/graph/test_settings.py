"""The Graph and Teams-package settings: all three credentials or none, safe URLs, no leaks."""

from __future__ import annotations

import pytest

from memberportal.settings import Settings, SettingsError
from tests.graph.fakes import CLIENT_ID, CLIENT_SECRET, TENANT

GRAPH = {"GRAPH_TENANT_ID": TENANT, "GRAPH_CLIENT_ID": CLIENT_ID,
         "GRAPH_CLIENT_SECRET": CLIENT_SECRET}


def test_without_credentials_graph_is_off_and_the_defaults_are_microsofts() -> None:
    settings = Settings.from_environ({})
    assert not settings.graph_enabled
    assert settings.graph_authority_host == "https://login.microsoftonline.com"
    assert settings.graph_base_url == "https://graph.microsoft.com/v1.0"
    assert (settings.directory_sync_interval_s, settings.reconcile_interval_s) == (3600, 600)


def test_with_all_three_credentials_graph_is_on_and_the_secret_stays_out_of_repr() -> None:
    settings = Settings.from_environ({**GRAPH, "ENTRA_GROUPS": "/etc/council/entra.toml",
                                      "RECONCILE_INTERVAL_S": "120"})
    assert settings.graph_enabled and settings.entra_groups == "/etc/council/entra.toml"
    assert settings.reconcile_interval_s == 120
    assert CLIENT_SECRET not in repr(settings)


@pytest.mark.parametrize(("env", "key"), [
    ({"GRAPH_TENANT_ID": TENANT}, "GRAPH_CLIENT_ID"),
    ({**GRAPH, "GRAPH_CLIENT_SECRET": ""}, "GRAPH_CLIENT_SECRET"),
    ({**GRAPH, "GRAPH_CLIENT_ID": "member-enquiries"}, "GRAPH_CLIENT_ID"),
    ({**GRAPH, "GRAPH_TENANT_ID": "not a tenant"}, "GRAPH_TENANT_ID"),
    ({"GRAPH_BASE_URL": "http://graph.example.com/v1.0"}, "GRAPH_BASE_URL"),
    ({"GRAPH_AUTHORITY_HOST": "http://127.0.0.1:8443"}, "GRAPH_AUTHORITY_HOST"),
    ({"RECONCILE_INTERVAL_S": "5"}, "RECONCILE_INTERVAL_S"),
    ({"TEAMS_APP_PRIVACY_URL": "council.gov.uk/privacy"}, "TEAMS_APP_PRIVACY_URL"),
    ({"TEAMS_APP_DEVELOPER_NAME": "x" * 33}, "TEAMS_APP_DEVELOPER_NAME"),
])
def test_a_bad_setting_is_named(env: dict[str, str], key: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ(env)
    assert raised.value.key == key
    assert CLIENT_SECRET not in str(raised.value)


def test_tests_may_point_graph_at_this_machine_over_http() -> None:
    settings = Settings.from_environ({"GRAPH_BASE_URL": "http://127.0.0.1:8080/v1.0/",
                                      "GRAPH_AUTHORITY_HOST": "https://127.0.0.1:8443"})
    assert settings.graph_base_url == "http://127.0.0.1:8080/v1.0"
    assert settings.graph_authority_host == "https://127.0.0.1:8443"
