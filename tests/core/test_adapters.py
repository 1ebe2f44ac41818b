"""Development adapters (dev payments, SMS to a file, a generated key file) run only in a development
configuration: elsewhere `tongban serve` refuses to start and names them; start-up logs the adapters in use."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from tongban.cli import app as cli
from tongban.core.config import DevelopmentAdapterError, check_adapters, get_settings

REAL = {
    "TONGBAN_PAYMENT_GATEWAY": "https://pay.example.gov.cn/api",
    "TONGBAN_SMS_GATEWAY": "https://sms.example.gov.cn/send",
}


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("TONGBAN_ENV", "production")
    monkeypatch.delenv("TONGBAN_KEY_FILE", raising=False)
    return monkeypatch


def test_a_production_configuration_with_development_adapters_is_refused(production):
    production.delenv("TONGBAN_DATA_KEY")
    with pytest.raises(DevelopmentAdapterError) as refused:
        check_adapters(get_settings())
    message = str(refused.value)
    for named in ("支付网关", "短信网关", "个人数据密钥", "TONGBAN_PAYMENT_GATEWAY", "TONGBAN_ENV=development"):
        assert named in message


def test_real_adapters_pass_and_development_allows_the_rest(production):
    for name, value in REAL.items():
        production.setenv(name, value)
    in_use = check_adapters(get_settings())  # keys come from TONGBAN_DATA_KEY / TONGBAN_INDEX_KEY
    assert not [a for a in in_use if a.development]
    production.setenv("TONGBAN_ENV", "development")
    production.delenv("TONGBAN_PAYMENT_GATEWAY")
    assert [a.role for a in check_adapters(get_settings()) if a.development] == ["支付网关"]


def test_serve_refuses_to_start_and_says_which(production):
    result = CliRunner().invoke(cli, ["serve", "--host", "256.256.256.256"])  # never binds, even on old code
    assert result.exit_code != 0
    assert "拒绝启动" in result.output and "支付网关" in result.output and "短信网关" in result.output


def test_the_worker_refuses_to_start_too(production):
    """The worker sends the SMS messages and payments' follow-ups: a file SMS gateway in production would swallow
    every login code as surely through `tongban worker` as through `serve`."""
    result = CliRunner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 3
    assert "拒绝启动" in result.output and "短信网关" in result.output


def test_the_server_factory_refuses_too_and_logs_the_adapters_it_uses(production, caplog):
    from tongban.app import serve_app

    with pytest.raises(DevelopmentAdapterError):
        serve_app()
    for name, value in REAL.items():
        production.setenv(name, value)
    logger = logging.getLogger("tongban.app")  # the "tongban" logger does not propagate to pytest's root handler
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="tongban.app"):
            serve_app()
    finally:
        logger.removeHandler(caplog.handler)
    logged = [r.getMessage() for r in caplog.records if r.name == "tongban.app"]
    assert any("adapters in use" in m and "支付网关=https://pay.example.gov.cn/api" in m for m in logged), logged
