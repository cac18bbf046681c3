"""A real SMTP server on loopback for the mail tests (aiosmtpd).

Listens three times: plain, STARTTLS (required) and implicit TLS, with a certificate
from a throwaway CA (trustme). Each accepted message is written to the mailbox folder
as <n>.eml. Prints one JSON line with the ports and the CA file, then serves until
stdin closes.

    python smtp_server.py MAILBOX_DIR
"""

import asyncio
import json
import os
import socket
import ssl
import sys

import trustme
from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:04d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            encrypted = session.ssl or server.transport.get_extra_info("ssl_object")
            f.write(b"X-Tls: " + (b"yes" if encrypted else b"no") + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.replace(path + ".tmp", path)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ca_file = os.path.join(folder, "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)

    handler = Mailbox(folder)
    ports = {"plain": free_port(), "starttls": free_port(), "tls": free_port()}
    controllers = [
        Controller(handler, hostname="127.0.0.1", port=ports["plain"], ready_timeout=60),
        Controller(
            handler,
            hostname="127.0.0.1",
            port=ports["starttls"],
            tls_context=server_ctx,
            require_starttls=True,
            ready_timeout=60,
        ),
        Controller(
            handler,
            hostname="127.0.0.1",
            port=ports["tls"],
            ssl_context=server_ctx,
            server_hostname="localhost",
            ready_timeout=60,
        ),
    ]
    for c in controllers:
        c.start()
    print(json.dumps({"ports": ports, "ca_file": ca_file}), flush=True)
    sys.stdin.read()
    for c in controllers:
        c.stop()


if __name__ == "__main__":
    main()
