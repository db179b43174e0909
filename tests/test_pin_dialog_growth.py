"""A PIN dialog grows when its error line appears: the explanation stays readable."""

from __future__ import annotations

from debc_outreach import i18n


def _inside(widget, window) -> bool:
    from PySide6.QtCore import QRect

    top_left = widget.mapTo(window, widget.rect().topLeft())
    return QRect(0, 0, window.width(), window.height()).contains(
        QRect(top_left, widget.size()))


def test_the_new_pin_dialog_grows_for_its_error_line_in_khmer(qtbot, tmp_path):
    from PySide6.QtWidgets import QLabel

    from debc_outreach.gui.app import create_application
    from debc_outreach.gui.protection.pin_dialogs import NewPinDialog

    create_application()                           # the Khmer fonts, as in the app
    i18n.set_language("km")
    dialog = NewPinDialog(i18n._("Forgotten PIN"),
                          i18n._("Type the recovery code you wrote down when this computer "
                                 "was protected, then choose a new PIN. Without the code, ask "
                                 "your coordinator to set this computer up again."),
                          ask_code=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.resize(dialog.width(), dialog.minimumSizeHint().height())   # as tight as it opens
    qtbot.wait(10)
    before = dialog.height()
    dialog.new_edit.setText("123456")
    dialog.again_edit.setText("123456")
    dialog.buttons.accepted.emit()                 # too easy to guess: a long explanation
    qtbot.wait(10)
    assert dialog.message.text()
    layout = dialog.layout()
    assert dialog.height() > before
    assert dialog.height() >= layout.totalHeightForWidth(dialog.width())
    for label in dialog.findChildren(QLabel):
        if label.isVisible() and label.text():
            assert _inside(label, dialog), label.text()
    dialog.grab().save(str(tmp_path / "new-pin-error-km.png"))
