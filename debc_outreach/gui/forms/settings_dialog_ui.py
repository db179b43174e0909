# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'settings_dialog.ui'
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
from PySide6.QtWidgets import (QAbstractButton, QApplication, QCheckBox, QComboBox,
    QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
    QPushButton, QSizePolicy, QSpinBox, QVBoxLayout,
    QWidget)

class Ui_SettingsDialog(object):
    def setupUi(self, SettingsDialog):
        if not SettingsDialog.objectName():
            SettingsDialog.setObjectName(u"SettingsDialog")
        SettingsDialog.resize(620, 520)
        self.layout = QVBoxLayout(SettingsDialog)
        self.layout.setObjectName(u"layout")
        self.displayGroup = QGroupBox(SettingsDialog)
        self.displayGroup.setObjectName(u"displayGroup")
        self.displayForm = QFormLayout(self.displayGroup)
        self.displayForm.setObjectName(u"displayForm")
        self.languageLabel = QLabel(self.displayGroup)
        self.languageLabel.setObjectName(u"languageLabel")

        self.displayForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.languageLabel)

        self.languageCombo = QComboBox(self.displayGroup)
        self.languageCombo.setObjectName(u"languageCombo")

        self.displayForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.languageCombo)

        self.digitsLabel = QLabel(self.displayGroup)
        self.digitsLabel.setObjectName(u"digitsLabel")

        self.displayForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.digitsLabel)

        self.khmerDigitsCheck = QCheckBox(self.displayGroup)
        self.khmerDigitsCheck.setObjectName(u"khmerDigitsCheck")

        self.displayForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.khmerDigitsCheck)

        self.fontScaleLabel = QLabel(self.displayGroup)
        self.fontScaleLabel.setObjectName(u"fontScaleLabel")

        self.displayForm.setWidget(2, QFormLayout.ItemRole.LabelRole, self.fontScaleLabel)

        self.fontScaleSpin = QSpinBox(self.displayGroup)
        self.fontScaleSpin.setObjectName(u"fontScaleSpin")
        self.fontScaleSpin.setSuffix(u" %")
        self.fontScaleSpin.setMinimum(100)
        self.fontScaleSpin.setMaximum(150)
        self.fontScaleSpin.setSingleStep(5)
        self.fontScaleSpin.setValue(100)

        self.displayForm.setWidget(2, QFormLayout.ItemRole.FieldRole, self.fontScaleSpin)


        self.layout.addWidget(self.displayGroup)

        self.profilesGroup = QGroupBox(SettingsDialog)
        self.profilesGroup.setObjectName(u"profilesGroup")
        self.profilesLayout = QVBoxLayout(self.profilesGroup)
        self.profilesLayout.setObjectName(u"profilesLayout")
        self.profilesHelp = QLabel(self.profilesGroup)
        self.profilesHelp.setObjectName(u"profilesHelp")
        self.profilesHelp.setWordWrap(True)

        self.profilesLayout.addWidget(self.profilesHelp)

        self.profileList = QListWidget(self.profilesGroup)
        self.profileList.setObjectName(u"profileList")

        self.profilesLayout.addWidget(self.profileList)

        self.profileButtons = QHBoxLayout()
        self.profileButtons.setObjectName(u"profileButtons")
        self.addProfileButton = QPushButton(self.profilesGroup)
        self.addProfileButton.setObjectName(u"addProfileButton")

        self.profileButtons.addWidget(self.addProfileButton)

        self.renameProfileButton = QPushButton(self.profilesGroup)
        self.renameProfileButton.setObjectName(u"renameProfileButton")

        self.profileButtons.addWidget(self.renameProfileButton)

        self.removeProfileButton = QPushButton(self.profilesGroup)
        self.removeProfileButton.setObjectName(u"removeProfileButton")

        self.profileButtons.addWidget(self.removeProfileButton)

        self.useProfileButton = QPushButton(self.profilesGroup)
        self.useProfileButton.setObjectName(u"useProfileButton")

        self.profileButtons.addWidget(self.useProfileButton)


        self.profilesLayout.addLayout(self.profileButtons)


        self.layout.addWidget(self.profilesGroup)

        self.dataFolderLabel = QLabel(SettingsDialog)
        self.dataFolderLabel.setObjectName(u"dataFolderLabel")
        self.dataFolderLabel.setText(u"")
        self.dataFolderLabel.setWordWrap(True)
        self.dataFolderLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.layout.addWidget(self.dataFolderLabel)

        self.buttons = QDialogButtonBox(SettingsDialog)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

        self.layout.addWidget(self.buttons)

#if QT_CONFIG(shortcut)
        self.languageLabel.setBuddy(self.languageCombo)
        self.digitsLabel.setBuddy(self.khmerDigitsCheck)
        self.fontScaleLabel.setBuddy(self.fontScaleSpin)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(SettingsDialog)

        QMetaObject.connectSlotsByName(SettingsDialog)
    # setupUi

    def retranslateUi(self, SettingsDialog):
        SettingsDialog.setWindowTitle(tr_(u"Settings", None))
        self.displayGroup.setTitle(tr_(u"Language and display", None))
        self.languageLabel.setText(tr_(u"Language:", None))
        self.digitsLabel.setText(tr_(u"Numbers:", None))
        self.khmerDigitsCheck.setText(tr_(u"Show numbers with Khmer digits (\u17e0\u17e1\u17e2\u17e3)", None))
        self.fontScaleLabel.setText(tr_(u"Text size:", None))
        self.profilesGroup.setTitle(tr_(u"Trainer profiles on this computer", None))
        self.profilesHelp.setText(tr_(u"On a shared computer each trainer has a profile. The selected profile is recorded on the sessions you run.", None))
        self.addProfileButton.setText(tr_(u"Add\u2026", None))
        self.renameProfileButton.setText(tr_(u"Rename\u2026", None))
        self.removeProfileButton.setText(tr_(u"Remove", None))
        self.useProfileButton.setText(tr_(u"Use this profile", None))
    # retranslateUi

