"""Local file hosts for the download tests, over real sockets on 127.0.0.1.

`Authority` is a certificate authority made for the test run (with `cryptography`); it signs a
certificate for SharePoint-like names, so a local https server passes the downloader's full TLS
checks. `NamesResolver` answers those names with 127.0.0.1 (or whatever a test says), and
`downloader_for` builds the bot's `Downloader` trusting the authority and, because these
servers are on this machine, allowing loopback addresses: the only widening a test makes.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from aiohttp.abc import AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.members.downloads import Downloader, IPAddress, public_address
from casestore.config import Attachments

FILES_HOST = "councilname-my.sharepoint.com"  # where Teams puts a member's file (OneDrive)
OTHER_HOST = "councilname.sharepoint.com"
CONNECTOR_HOST = "smba.trafficmanager.net"  # the Bot Connector: pasted images
TEST_NAMES = (FILES_HOST, OTHER_HOST, CONNECTOR_HOST, "files.example.org")


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


class Authority:
    """A throwaway CA, and server certificates it signs."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self._cert = (
            x509.CertificateBuilder().subject_name(_name("Member Enquiries test CA"))
            .issuer_name(_name("Member Enquiries test CA")).public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()),
                           critical=False)
            .sign(self._key, hashes.SHA256()))

    @property
    def pem(self) -> str:
        return self._cert.public_bytes(serialization.Encoding.PEM).decode()

    def server_context(self, names: Sequence[str] = TEST_NAMES) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder().subject_name(_name(names[0]))
            .issuer_name(self._cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in names]
                + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory(prefix="files-ca-") as folder:  # ssl reads files only
            cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
            cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_file.write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
            context.load_cert_chain(cert_file, key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """What the downloader trusts in these tests: this authority alone."""
        return ssl.create_default_context(cadata=self.pem)


class NamesResolver(AbstractResolver):
    """DNS for the test: each name answers with the addresses given (127.0.0.1 by default);
    `lookups` records every question asked."""

    def __init__(self, answers: Mapping[str, Sequence[str]] | None = None) -> None:
        self.answers = {name: ["127.0.0.1"] for name in TEST_NAMES} | dict(answers or {})
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.lookups.append(host)
        if host not in self.answers:
            raise OSError(f"no such name in the test: {host}")
        return [{"hostname": host, "host": address, "port": port,
                 "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}
                for address in self.answers[host]]

    async def close(self) -> None:
        return None


def loopback_or_public(address: IPAddress) -> bool:
    """The test widening: this machine's own address as well as public ones."""
    return address.is_loopback or public_address(address)


def downloader_for(limits: Attachments, authority: Authority, *,
                   resolver: NamesResolver | None = None,
                   allowed_address: Callable[[IPAddress], bool] = loopback_or_public,
                   timeout_s: float = 5.0) -> Downloader:
    names = resolver or NamesResolver()
    return Downloader(limits, timeout_s=timeout_s, resolver=lambda: names,
                      allowed_address=allowed_address, ssl_context=authority.client_context())
