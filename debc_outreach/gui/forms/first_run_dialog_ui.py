# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'first_run_dialog.ui'
##
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from debc_outreach.i18n import tr_
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDialog, QDialogButtonBox,
    QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QSizePolicy, QSpacerItem, QVBoxLayout, QWidget)

class Ui_FirstRunDialog(object):
    def setupUi(self, FirstRunDialog):
        if not FirstRunDialog.objectName():
            FirstRunDialog.setObjectName(u"FirstRunDialog")
        FirstRunDialog.resize(560, 420)
        self.layout = QVBoxLayout(FirstRunDialog)
        self.layout.setObjectName(u"layout")
        self.headline = QLabel(FirstRunDialog)
        self.headline.setObjectName(u"headline")
        self.headline.setWordWrap(True)

        self.layout.addWidget(self.headline)

        self.languageLabel = QLabel(FirstRunDialog)
        self.languageLabel.setObjectName(u"languageLabel")
        self.languageLabel.setWordWrap(True)

        self.layout.addWidget(self.languageLabel)

        self.languageButtons = QHBoxLayout()
        self.languageButtons.setObjectName(u"languageButtons")
        self.khmerButton = QPushButton(FirstRunDialog)
        self.khmerButton.setObjectName(u"khmerButton")
        self.khmerButton.setText(u"\u1781\u17d2\u1798\u17c2\u179a")
        self.khmerButton.setCheckable(True)
        self.khmerButton.setAutoExclusive(True)
        self.khmerButton.setMinimumSize(QSize(0, 56))

        self.languageButtons.addWidget(self.khmerButton)

        self.englishButton = QPushButton(FirstRunDialog)
        self.englishButton.setObjectName(u"englishButton")
        self.englishButton.setText(u"English")
        self.englishButton.setCheckable(True)
        self.englishButton.setAutoExclusive(True)
        self.englishButton.setMinimumSize(QSize(0, 56))

        self.languageButtons.addWidget(self.englishButton)


        self.layout.addLayout(self.languageButtons)

        self.nameLabel = QLabel(FirstRunDialog)
        self.nameLabel.setObjectName(u"nameLabel")
        self.nameLabel.setWordWrap(True)

        self.layout.addWidget(self.nameLabel)

        self.nameEdit = QLineEdit(FirstRunDialog)
        self.nameEdit.setObjectName(u"nameEdit")
        self.nameEdit.setMaxLength(120)

        self.layout.addWidget(self.nameEdit)

        self.problemLabel = QLabel(FirstRunDialog)
        self.problemLabel.setObjectName(u"problemLabel")
        self.problemLabel.setText(u"")
        self.problemLabel.setWordWrap(True)

        self.layout.addWidget(self.problemLabel)

        self.folderLabel = QLabel(FirstRunDialog)
        self.folderLabel.setObjectName(u"folderLabel")
        self.folderLabel.setText(u"")
        self.folderLabel.setWordWrap(True)
        self.folderLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.layout.addWidget(self.folderLabel)

        self.spacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.layout.addItem(self.spacer)

        self.buttons = QDialogButtonBox(FirstRunDialog)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.layout.addWidget(self.buttons)

#if QT_CONFIG(shortcut)
        self.nameLabel.setBuddy(self.nameEdit)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(FirstRunDialog)

        QMetaObject.connectSlotsByName(FirstRunDialog)
    # setupUi

    def retranslateUi(self, FirstRunDialog):
        FirstRunDialog.setWindowTitle(tr_(u"Welcome to DEBC Outreach", None))
        self.headline.setText(tr_(u"Welcome to DEBC Outreach", None))
        self.languageLabel.setText(tr_(u"Choose the language of the app. You can change it later in Settings.", None))
        self.nameLabel.setText(tr_(u"Your name as a trainer (shown on sessions and reports):", None))
    # retranslateUi

