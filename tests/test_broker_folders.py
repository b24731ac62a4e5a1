"""The demo's folder broker can take a message before any worker has started."""

from kcity.celery import make_broker_folders


def test_make_broker_folders_creates_every_configured_folder(tmp_path):
    options = {
        "data_folder_in": str(tmp_path / "broker" / "out"),
        "data_folder_out": str(tmp_path / "broker" / "out"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
        "control_folder": str(tmp_path / "broker" / "control"),
        "store_processed": False,
    }
    make_broker_folders(options)
    assert sorted(p.name for p in (tmp_path / "broker").iterdir()) == [
        "control",
        "out",
        "processed",
    ]
    make_broker_folders(options)  # a second process finds them made: no error
