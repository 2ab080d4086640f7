"""pyst2 and asterisk-ami share the top-level package ``asterisk`` (LIBRARIES.md)."""


def test_pyst2_agi_and_asterisk_ami_import_side_by_side() -> None:
    import asterisk.agi
    import asterisk.ami

    assert hasattr(asterisk.agi, "AGI")
    assert hasattr(asterisk.ami, "AMIClient")
