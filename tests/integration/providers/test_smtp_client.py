"""Karo's SMTP client against aiosmtpd on loopback: STARTTLS when the server offers it, then AUTH LOGIN
with the URL's user and password; a wrong password is refused for good (535), never sent in clear."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from providers.email import Email, SmtpMailer, SmtpServer
from providers.simulators.smtp import SmtpSink, free_port

USER, PASSWORD = "fees@school.ac.ke", "s3cret"
HOST = "127.0.0.1"


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def check_login(server, session, envelope, mechanism, auth_data) -> AuthResult:  # aiosmtpd's signature
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[SmtpSink, int, ssl.SSLContext]]:
    cert, key = self_signed(tmp_path)
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    sink = SmtpSink()
    controller = Controller(
        sink,
        hostname=HOST,
        port=free_port(HOST),
        tls_context=serving,
        require_starttls=True,  # nothing, AUTH included, before the connection is encrypted
        authenticator=check_login,
        auth_required=True,
    )
    controller.start()
    trusting = ssl.create_default_context(cafile=str(cert))
    yield sink, controller.port, trusting
    controller.stop()


def test_starttls_then_login_then_the_mail_arrives(tls_server) -> None:
    sink, port, trusting = tls_server
    server = SmtpServer.from_url(f"smtp://fees%40school.ac.ke:{PASSWORD}@{HOST}:{port}")
    mailer = SmtpMailer(server, "fees@school.ac.ke", tls=trusting)
    result = mailer.send_email(Email("mama@example.com", "Receipt", "Received KES 100.", "<p>Received</p>"))
    assert result.accepted, result
    (mail,) = sink.inbox()
    assert mail["to"] == ["mama@example.com"] and mail["text"].strip() == "Received KES 100."


def test_a_wrong_password_is_refused_for_good(tls_server) -> None:
    sink, port, trusting = tls_server
    server = SmtpServer.from_url(f"smtp://fees%40school.ac.ke:wrong@{HOST}:{port}")
    result = SmtpMailer(server, "fees@school.ac.ke", tls=trusting).send_email(
        Email("mama@example.com", "Receipt", "text", "<p>text</p>")
    )
    assert not result.accepted and result.reason and result.reason.startswith("535")
    assert sink.inbox() == []
