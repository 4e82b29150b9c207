"""A local HTTPS proxy for the clients whose host is hard-coded to ``{dc}.qualtrics.com``.

The client reaches it through ``HTTPS_PROXY`` (``requests`` honours it) and asks to
``CONNECT iad1.qualtrics.com:443``; the proxy answers 200, takes the TLS handshake itself with
a certificate for ``*.qualtrics.com`` signed by a certificate authority made here (the client
trusts it through ``REQUESTS_CA_BUNDLE``), and pipes the decrypted bytes to the smsurvey
server on 127.0.0.1. Nothing leaves the machine. It keeps what the server answered, so a test
can check the v3 error a client swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOSTS = "*.qualtrics.com"
FORWARDED = b"X-Forwarded-Proto: https\r\n"
"""Added to each request, as a TLS-ending proxy in front of smsurvey does: the server then
writes ``nextPage`` links the client follows back through the proxy."""


@dataclass(frozen=True)
class Certificates:
    """A test certificate authority (``ca``, a PEM file clients trust) and the proxy's
    certificate for ``*.qualtrics.com`` it signed (``chain`` and ``key``, PEM files)."""

    ca: Path
    chain: Path
    key: Path


CA_USAGE = x509.KeyUsage(
    digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
    key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
    decipher_only=False,
)  # fmt: skip


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(folder: Path) -> Certificates:
    """A certificate authority and a server certificate for ``*.qualtrics.com`` in
    ``folder``, valid for a day."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("smsurvey tests CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_USAGE, critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name(HOSTS))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTS)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    made = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    made.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made.chain.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    made.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return made


@dataclass
class TlsProxy:
    """``CONNECT *.qualtrics.com:443`` → TLS ended here → plain HTTP to ``upstream_port``."""

    certificates: Certificates
    upstream_port: int
    answers: list[bytes] = field(default_factory=list)
    """Everything the server sent back, one item per connection (its HTTP/1.1 answers)."""
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def last_answer(self) -> str:
        """The last answer the server sent through the proxy (head and body), as text."""
        answers = re.split(r"(?=HTTP/1\.1 \d{3} )", self.answers[-1].decode(errors="replace"))
        return answers[-1]

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificates.chain, self.certificates.key)
        return context

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
            host = target.rsplit(b":", 1)[0]
            if method != b"CONNECT" or not host.endswith(HOSTS[1:].encode()):
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await writer.start_tls(self._tls())
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.upstream_port
            )
            answered = bytearray()
            self.answers.append(b"")
            index = len(self.answers) - 1

            async def to_server() -> None:
                while head := await _request_head(reader):
                    upstream_writer.write(head[:-2] + FORWARDED + b"\r\n")
                    upstream_writer.write(await reader.readexactly(_content_length(head)))
                    await upstream_writer.drain()
                upstream_writer.close()

            async def to_client() -> None:
                while data := await upstream_reader.read(65536):
                    answered.extend(data)
                    self.answers[index] = bytes(answered)
                    writer.write(data)
                    await writer.drain()

            pipes = [asyncio.create_task(to_server()), asyncio.create_task(to_client())]
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
            for pipe in pipes:
                pipe.cancel()
            upstream_writer.close()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                writer.close()


async def _request_head(reader: asyncio.StreamReader) -> bytes:
    """The next request's line and headers, or nothing when the client is done."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return b""


def _content_length(head: bytes) -> int:
    """The body's length (the clients here send none chunked)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"transfer-encoding":
            raise ConnectionError("the proxy does not take chunked request bodies")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0
