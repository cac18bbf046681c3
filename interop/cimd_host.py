"""Serves a Client ID Metadata Document over https on loopback, for the OAuth test.

The certificate comes from a throwaway CA (trustme), written to DIR/ca.pem so the
gateway can be told to trust it. Prints one JSON line {"client_id", "ca_file"} and
serves until stdin closes.

    python cimd_host.py DIR REDIRECT_URI
"""

import http.server
import json
import os
import socket
import ssl
import sys
import threading

import trustme


def main():
    folder, redirect = sys.argv[1], sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    ca_file = os.path.join(folder, "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client_id = f"https://localhost:{port}/oauth/client.json"
    document = json.dumps(
        {
            "client_id": client_id,
            "client_name": "python mcp oauth test (metadata document)",
            "redirect_uris": [redirect],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/oauth/client.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"client_id": client_id, "ca_file": ca_file}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
