from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.test import Client

from playerdesk.core.errors import ActionError
from playerdesk.tickets import attachments

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def test_attachment_is_sniffed_encrypted_and_downloadable_only_as_file(
    ticket: Any, agent_client: Client, settings: Any
) -> None:
    att = attachments.do_add_attachment(ticket, filename="screenshot.exe", data=PNG)
    assert att.content_type == "image/png"  # the bytes decide, not the name
    assert att.sha256 == hashlib.sha256(PNG).hexdigest()
    on_disk = (settings.FILES_DIR / att.file.name).read_bytes()
    assert PNG not in on_disk and len(on_disk) > len(PNG)  # encrypted at rest
    response = agent_client.get(f"/desk/files/{att.pk}/")
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]
    assert ticket.events.filter(kind="attachment").exists()


def test_html_disguised_as_image_is_flagged(ticket: Any) -> None:
    att = attachments.do_add_attachment(ticket, filename="cat.png", data=b"<html><script>alert(1)</script>")
    assert att.content_type == "text/html"
    assert att.content_type not in attachments.SAFE_TYPES


@pytest.mark.parametrize("size", [0, 15 * 1024 * 1024 + 1])
def test_size_limits(ticket: Any, size: int) -> None:
    with pytest.raises(ActionError):
        attachments.do_add_attachment(ticket, filename="big.bin", data=b"x" * size)


def test_hostile_filename_is_neutralised(ticket: Any) -> None:
    att = attachments.do_add_attachment(ticket, filename="../../etc/passwd\u202e<b>.txt", data=b"hello")
    assert "/" not in att.filename and "<" not in att.filename and ".." not in att.filename.split("_")[0]


def test_other_teams_agent_cannot_download(ticket: Any, make_agent: Any, other_team: Any) -> None:
    att = attachments.do_add_attachment(ticket, filename="id.png", data=PNG)
    outsider = make_agent("outsider", teams=[other_team])
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/desk/files/{att.pk}/").status_code == 404
    anonymous = Client().get(f"/desk/files/{att.pk}/")
    assert anonymous.status_code == 302
