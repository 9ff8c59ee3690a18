"""IMAP polling against a real Dovecot: each mailbox polled concurrently, one poller per mailbox at a time,
messages marked or moved only once stored."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest

from playerdesk.core import clock
from playerdesk.mail import imap, inbound
from playerdesk.mail.models import InboundEmail, Mailbox
from playerdesk.tickets.models import Ticket
from tests.mail.conftest import Dovecot
from tests.mail.mails import make_mail


def mailbox(dovecot: Dovecot, local_part: str, **kwargs: Any) -> Mailbox:
    return Mailbox.objects.create(
        local_part=local_part,
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_ssl=False,
        imap_user=f"{local_part}-{uuid.uuid4().hex[:12]}",
        imap_password=dovecot.password,
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _jobs_run_after_commit(request: Any) -> Any:
    """Processing is a job queued after commit: run it, as the worker would."""
    if "transactional_db" in request.fixturenames or request.node.get_closest_marker("django_db").kwargs.get(
        "transaction"
    ):
        yield
        return
    capture = request.getfixturevalue("django_capture_on_commit_callbacks")
    real = imap.poll

    def poll(pk: int) -> int:
        with capture(execute=True):
            return real(pk)

    imap_poll = pytest.MonkeyPatch()
    imap_poll.setattr(imap, "poll", poll)
    yield
    imap_poll.undo()


@pytest.mark.django_db
def test_poll_stores_then_marks_seen(dovecot: Dovecot) -> None:
    box = mailbox(dovecot, "support")
    for i in range(3):
        dovecot.append(
            box.imap_user,
            make_mail(sender=f"p{i}@example.com", subject=f"Imap {i}", body=f"Question {i} here."),
        )
    assert imap.poll(box.pk) == 3
    assert Ticket.objects.filter(channel="email").count() == 3
    assert set(InboundEmail.objects.values_list("source", flat=True)) == {"imap"}
    assert dovecot.count(box.imap_user, "UNSEEN") == 0
    assert imap.poll(box.pk) == 0  # nothing new
    box.refresh_from_db()
    assert box.last_polled_at is not None and box.last_poll_error == "" and box.poll_lease_until is None


@pytest.mark.django_db
def test_message_stays_unseen_when_storage_fails(dovecot: Dovecot, monkeypatch: Any) -> None:
    from django.db import OperationalError

    box = mailbox(dovecot, "support")
    dovecot.append(box.imap_user, make_mail(subject="Keep me"))

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(imap.inbound, "receive", down)
    with pytest.raises(OperationalError):
        imap.poll(box.pk)
    assert dovecot.count(box.imap_user, "UNSEEN") == 1  # not marked: fetched again next time
    monkeypatch.undo()
    assert imap.poll(box.pk) == 1
    assert dovecot.count(box.imap_user, "UNSEEN") == 0


@pytest.mark.django_db
def test_fetched_twice_is_one_message(dovecot: Dovecot) -> None:
    box = mailbox(dovecot, "support")
    raw = make_mail(subject="Twice")
    dovecot.append(box.imap_user, raw)
    dovecot.append(box.imap_user, raw)  # e.g. a copy left behind by an earlier poller
    assert imap.poll(box.pk) == 2
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_move_to_a_done_folder(dovecot: Dovecot) -> None:
    box = mailbox(dovecot, "support", imap_done_folder="Processed")
    conn = dovecot.connect(box.imap_user)
    conn.create("Processed")
    conn.logout()
    dovecot.append(box.imap_user, make_mail(subject="Move me"))
    assert imap.poll(box.pk) == 1
    assert dovecot.count(box.imap_user) == 0
    assert dovecot.count(box.imap_user, folder="Processed") == 1


@pytest.mark.django_db
def test_one_poller_per_mailbox_at_a_time(dovecot: Dovecot) -> None:
    box = mailbox(dovecot, "support")
    dovecot.append(box.imap_user, make_mail(subject="Leased"))
    Mailbox.objects.filter(pk=box.pk).update(
        poll_owner="other", poll_lease_until=clock.now() + timedelta(minutes=2)
    )
    assert imap.poll(box.pk) == imap.BUSY
    assert not InboundEmail.objects.exists()
    with clock.frozen(clock.now() + timedelta(minutes=3)):  # the other poller died: its lease lapses
        assert imap.poll(box.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_mailboxes_are_polled_concurrently(dovecot: Dovecot, monkeypatch: Any) -> None:
    """A slow mailbox does not hold up the others: each is its own job with its own lease."""
    slow = mailbox(dovecot, "support")
    fast = mailbox(dovecot, "verification", language="fr")
    dovecot.append(slow.imap_user, make_mail(subject="Slow one", sender="a@example.com"))
    dovecot.append(fast.imap_user, make_mail(subject="Fast one", sender="b@example.com"))
    gate = threading.Event()
    real_poll = imap._poll

    def poll_slowly(box: Mailbox, owner: str) -> int:
        if box.pk == slow.pk:
            assert gate.wait(20), "the other mailbox was never polled while this one was busy"
        return real_poll(box, owner)

    monkeypatch.setattr(imap, "_poll", poll_slowly)
    results: dict[str, int] = {}

    def run(name: str, pk: int) -> None:
        try:
            results[name] = imap.poll(pk)
        finally:
            if name == "fast":
                gate.set()
            from django.db import connection

            connection.close()

    threads = [
        threading.Thread(target=run, args=("slow", slow.pk)),
        threading.Thread(target=run, args=("fast", fast.pk)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"slow": 1, "fast": 1}
    assert Ticket.objects.count() == 2
    assert set(imap.mailboxes_to_poll()) == {slow.pk, fast.pk}
    assert inbound.recover() == 0


@pytest.mark.django_db
def test_imap_password_is_encrypted_at_rest() -> None:
    from django.db import connection

    from playerdesk.mail.models import Mailbox

    box = Mailbox.objects.create(local_part="vault", imap_host="127.0.0.1", imap_password="s3cret-Pa55!")
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM mail_mailbox WHERE id = %s", [box.pk])
        stored = cursor.fetchone()[0]
    assert "s3cret" not in stored and len(stored) > 60
    assert Mailbox.objects.get(pk=box.pk).imap_password == "s3cret-Pa55!"
