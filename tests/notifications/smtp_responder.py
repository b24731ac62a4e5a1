"""A tiny SMTP server for tests (the stdlib ``smtpd`` is gone from newer Pythons and
``aiosmtpd`` is not a dependency): one thread on 127.0.0.1, one connection at a time.

Each connection plays the next behaviour of ``script`` (the last one repeats):

- ``accept``: takes the message (250 after DATA);
- ``busy``: greets with 421 and hangs up (the client gets ``SMTPConnectError``);
- ``refuse_recipient``: 550 to RCPT (``SMTPRecipientsRefused``);
- ``reject_data``: reads the message, answers 554 (``SMTPDataError``);
- ``cut_after_data``: reads the message and hangs up without a reply (the client cannot know
  whether it was taken: ``SMTPServerDisconnected`` during DATA).

``received`` holds every message text the server read, ``accepted`` those it answered 250 to.
"""

import socket
import threading


class SmtpResponder:
    def __init__(self, script=("accept",)):
        self.script = list(script)
        self.connections = 0
        self.received: list[bytes] = []
        self.accepted: list[bytes] = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(5)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _address = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            behaviour = self.script[min(self.connections, len(self.script) - 1)]
            self.connections += 1
            with conn:
                conn.settimeout(5)
                stream = conn.makefile("rwb")
                try:
                    self._talk(stream, behaviour)
                except OSError:
                    pass
                finally:
                    stream.close()

    def _talk(self, stream, behaviour: str) -> None:
        def reply(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        if behaviour == "busy":
            reply("421 4.3.2 Service not available, try again later")
            return
        reply("220 responder.test ESMTP")
        while not self._stop.is_set():
            line = stream.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                reply("250 responder.test")
            elif verb == b"RCPT" and behaviour == "refuse_recipient":
                reply("550 5.1.1 No such user here")
            elif verb == b"DATA":
                reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data_line := stream.readline()) and data_line != b".\r\n":
                    lines.append(data_line)
                text = b"".join(lines)
                self.received.append(text)
                if behaviour == "cut_after_data":
                    return
                if behaviour == "reject_data":
                    reply("554 5.7.1 Message rejected")
                    continue
                self.accepted.append(text)
                reply("250 2.0.0 Ok: queued")
            elif verb == b"QUIT":
                reply("221 2.0.0 Bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                reply("250 2.0.0 Ok")
