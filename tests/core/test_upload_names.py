"""What an upload is called and where it is fetched from: names NemoVideo can type,
share links as the download links of their files."""

from __future__ import annotations

import pytest

from core.conversation.uploads import direct_link, upload_name, upload_names
from core.messages import UrlAttachment


@pytest.mark.parametrize(("shared", "direct"), [
    ("https://www.dropbox.com/s/abc/clip.mp4?dl=0", "https://www.dropbox.com/s/abc/clip.mp4?dl=1"),
    ("https://www.dropbox.com/scl/fi/x/clip.mov?rlkey=k&dl=0",
     "https://www.dropbox.com/scl/fi/x/clip.mov?rlkey=k&dl=1"),
    ("https://dropbox.com/s/abc/clip.mp4", "https://dropbox.com/s/abc/clip.mp4?dl=1"),
    ("https://drive.google.com/file/d/1AbC-d_9/view?usp=sharing",
     "https://drive.google.com/uc?export=download&id=1AbC-d_9"),
    ("https://drive.google.com/open?id=XYZ", "https://drive.google.com/uc?export=download&id=XYZ"),
    ("https://example.com/a.mp4?dl=0", "https://example.com/a.mp4?dl=0"),
    ("https://notdropbox.com/a.mp4?dl=0", "https://notdropbox.com/a.mp4?dl=0"),
])
def test_share_links_become_the_download_links_of_their_files(shared: str, direct: str) -> None:
    """A Dropbox or Google Drive share link opens a web page: NemoVideo would fetch the
    page, not the video."""
    assert direct_link(shared) == direct


def test_a_file_accepted_by_its_type_alone_is_uploaded_with_its_extension() -> None:
    assert upload_name(UrlAttachment("https://x/IMG_1234", "IMG_1234", "video/mp4")) == (
        "IMG_1234.mp4")
    assert upload_name(UrlAttachment("https://x/cut.mov", "cut.mov", "video/mp4")) == "cut.mov"
    assert upload_name(UrlAttachment("https://x/notes", "notes", "text/plain")) == "notes"
    # a dot that makes no extension a file type is known by
    assert upload_name(UrlAttachment("https://x/m", "meeting v1.2", "video/mp4")) == (
        "meeting v1.2.mp4")
    # an extension a file type is known by decides, whatever the content type says
    assert upload_name(UrlAttachment("https://x/b", "brief.pdf", "video/mp4")) == "brief.pdf"


def test_files_of_one_message_that_share_a_name_are_told_apart() -> None:
    """Two photos of an album sent in the same second, two "image.png" in one Discord
    message: each keeps a name of its own, as a file manager would number them."""
    def named(name: str, content_type: str = "image/jpeg") -> UrlAttachment:
        return UrlAttachment(f"https://x/{name}", name, content_type)

    assert upload_names([named("photo.jpg"), named("Photo.JPG"), named("clip.mp4"),
                         named("photo.jpg"), named("IMG_1", "video/mp4"),
                         named("IMG_1.mp4")]) == [
        "photo.jpg", "Photo (2).JPG", "clip.mp4", "photo (3).jpg", "IMG_1.mp4",
        "IMG_1 (2).mp4"]
