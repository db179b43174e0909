"""Sync: this computer's programme membership, peers, and exchanging bundles.

Every action calls the sync services; long ones (export, import, sync
folder) run in a `Task` with a progress bar and a cancel button, each with
its own Store, and the page shows what happened afterwards.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from debc_outreach import i18n
from debc_outreach.content.loader import active_pack_identity
from debc_outreach.errors import UserError
from debc_outreach.gui import fonts
from debc_outreach.gui.changes import attempt
from debc_outreach.gui.context import AppContext
from debc_outreach.gui.exchange.enrolment_qr import (
    area_text,
)
from debc_outreach.gui.exchange.quarantine_panel import (
    HeldPanel,
    RepairDialog,
    records_to_repair,
)
from debc_outreach.gui.exchange.sync_enrolment import Enrolment
from debc_outreach.gui.page import Page
from debc_outreach.gui.shell.status_line import StatusLine
from debc_outreach.gui.tasks import Progress, StoreTask
from debc_outreach.gui.widgets.flow_layout import FlowLayout
from debc_outreach.gui.widgets.tables import as_row_picker
from debc_outreach.i18n import _, ngettext
from debc_outreach.storage import events
from debc_outreach.storage.store import Store
from debc_outreach.sync import bundle, hub_client, peers, state, trust
from debc_outreach.sync import folder as sync_folder
from debc_outreach.sync.importer import ImportReport

PENDING_COLUMN = 5


def _when(iso_text: str) -> str:
    if not iso_text:
        return _("never")
    return i18n.format_datetime(dt.datetime.fromisoformat(iso_text).astimezone(), "short")


def report_text(report: ImportReport) -> str:
    """What an import did, in words a coordinator reads at a glance."""
    if report.already_imported:
        return _("This bundle was already imported; nothing changed.")
    if report.cancelled:
        return _("The import was stopped. What was imported is saved; import the same "
                 "bundle again to finish.")
    parts = [(report.new, ngettext("{n} new record", "{n} new records", report.new)),
             (report.duplicates, ngettext("{n} already here (duplicate)",
                                          "{n} already here (duplicates)", report.duplicates)),
             (report.conflicts, ngettext("{n} conflict to review on the Conflicts page",
                                         "{n} conflicts to review on the Conflicts page",
                                         report.conflicts)),
             (report.waiting, ngettext("{n} waiting for an earlier bundle",
                                       "{n} waiting for an earlier bundle", report.waiting)),
             (report.quarantined, ngettext("{n} quarantined (clock too far ahead)",
                                           "{n} quarantined (clock too far ahead)",
                                           report.quarantined)),
             (report.unapplied, ngettext("{n} kept for a newer app version",
                                         "{n} kept for a newer app version",
                                         report.unapplied)),
             (report.held, ngettext("{n} held in quarantine (see Records held in quarantine)",
                                    "{n} held in quarantine (see Records held in quarantine)",
                                    report.held))]
    lines = [text.format(n=i18n.format_number(count)) for count, text in parts if count]
    # Each refusal names the device and what it tried (sync/admission.py).
    lines += [refusal["reason"] for refusal in report.refusals]
    return "\n".join(lines) or _("Nothing new.")


class SyncPage(Page):
    key = "sync"
    icon_name = "sync.svg"

    def __init__(self, context: AppContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout = self.page_layout()
        self.identity = QLabel()
        self.identity.setWordWrap(True)
        layout.addWidget(self.identity)

        self.join_box = QGroupBox()
        join = FlowLayout(self.join_box)
        self.create_button = QPushButton()
        self.request_button = QPushButton()
        self.accept_button = QPushButton()
        self.join_code_button = QPushButton()
        self.join_code_button.setObjectName("joinWithQrCode")
        for button in (self.create_button, self.request_button, self.accept_button,
                       self.join_code_button):
            join.addWidget(button)
        layout.addWidget(self.join_box)

        self.status = QLabel()
        self.status.setObjectName("syncStatus")
        self.status.setWordWrap(True)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        self.held_button = QPushButton()
        self.held_button.clicked.connect(self.show_held)
        status_row.addWidget(self.held_button)
        self.repair_button = QPushButton()
        self.repair_button.setObjectName("recordsToRepair")
        self.repair_button.clicked.connect(lambda: self.show_records_to_repair())
        status_row.addWidget(self.repair_button)
        layout.addLayout(status_row)
        self.held_panel = HeldPanel(context, self._run, self)
        layout.addWidget(self.held_panel)
        actions = FlowLayout()
        self.send_button = QPushButton()
        self.send_button.setObjectName("sendToCoordinator")
        self.folder_button = QPushButton()
        self.change_folder_button = QPushButton()
        self.import_button = QPushButton()
        self.approve_button = QPushButton()
        self.revoke_button = QPushButton()
        for button in (self.send_button, self.folder_button, self.change_folder_button,
                       self.import_button, self.approve_button, self.revoke_button):
            actions.addWidget(button)
        layout.addLayout(actions)
        hub_row = QHBoxLayout()              # centres with a network sync with a hub, no USB
        self.hub_label = QLabel()
        self.hub_url = QLineEdit()
        self.hub_url.setObjectName("hubUrl")
        self.hub_url.setText(hub_client.hub_settings(context.data_dir)["url"])
        self.hub_label.setBuddy(self.hub_url)
        self.hub_button = QPushButton()
        self.hub_button.setObjectName("syncNow")
        self.hub_button.clicked.connect(lambda: self.sync_now())
        self.hub_url.returnPressed.connect(lambda: self.sync_now())
        hub_row.addWidget(self.hub_label)
        hub_row.addWidget(self.hub_url, 1)
        hub_row.addWidget(self.hub_button)
        layout.addLayout(hub_row)

        self.peers_title = QLabel()
        self.peers_title.setFont(fonts.heading_font(self.font(), 1.2))
        # Acts on the selected device, so it sits with the list, not with the exchanges.
        self.show_qr_button = QPushButton()
        self.show_qr_button.setObjectName("showEnrolmentQr")
        peers_row = QHBoxLayout()
        peers_row.addWidget(self.peers_title)
        peers_row.addStretch(1)
        peers_row.addWidget(self.show_qr_button)
        layout.addLayout(peers_row)
        self.peers = QTableWidget(0, 6)
        as_row_picker(self.peers)
        header = self.peers.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.peers, 1)
        self.last_report = StatusLine()
        self.last_report.setObjectName("lastReport")
        self.last_report.setWordWrap(True)
        layout.addWidget(self.last_report)

        self.enrolment = enrolment = Enrolment(context, self, self.selected_device, self.refresh)
        self.create_button.clicked.connect(lambda: enrolment.create_programme())
        self.request_button.clicked.connect(lambda: enrolment.write_request())
        self.accept_button.clicked.connect(lambda: enrolment.accept_certificate())
        self.join_code_button.clicked.connect(lambda: enrolment.join_with_code())
        self.approve_button.clicked.connect(lambda: enrolment.approve_request())
        self.revoke_button.clicked.connect(enrolment.revoke_selected)
        self.show_qr_button.clicked.connect(lambda: enrolment.show_enrolment_qr())
        self.peers.itemSelectionChanged.connect(self._update_device_actions)
        self.send_button.clicked.connect(lambda: self.send_to_coordinator())
        self.folder_button.clicked.connect(lambda: self.sync_with_folder())
        self.change_folder_button.clicked.connect(self.change_folder)
        self.import_button.clicked.connect(lambda: self.import_bundle())
        context.records_changed.connect(lambda _entity: self.refresh())
        self.retranslate()

    @staticmethod
    def nav_title() -> str:
        return _("Sync")

    @property
    def store(self) -> Store:
        return self.context.store

    def retranslate(self) -> None:
        self.heading.setText(_("Sync"))
        self.join_box.setTitle(_("Join a programme"))
        self.create_button.setText(_("Create a programme (coordinator)…"))
        self.request_button.setText(_("Write an enrolment request…"))
        self.accept_button.setText(_("Accept a certificate…"))
        self.join_code_button.setText(_("Join with a QR code…"))
        self.send_button.setText(_("Send to coordinator…"))
        self.folder_button.setText(_("Sync with folder"))
        self.change_folder_button.setText(_("Change sync folder…"))
        self.held_button.setText(_("Details…"))
        self.repair_button.setText(_("Records to repair…"))
        self.repair_button.setToolTip(_("Check every record against today's rules (as "
                                        "'db check' does) and list those to correct."))
        self.held_panel.retranslate()
        self.hub_label.setText(_("Hub address:"))
        self.hub_url.setPlaceholderText(_("https://hub.example.org (ask your coordinator)"))
        self.hub_button.setText(_("Sync now"))
        self.import_button.setText(_("Import a bundle…"))
        self.approve_button.setText(_("Approve a device…"))
        self.revoke_button.setText(_("Revoke device"))
        self.show_qr_button.setText(_("Show enrolment QR code…"))
        self.peers_title.setText(_("Devices"))
        self.peers.setHorizontalHeaderLabels([_("Device"), _("Role"), _("Area"),
                                              _("Last received"), _("Last sent"),
                                              _("Not yet acknowledged (from this computer)")])
        self.refresh()

    def activate(self) -> None:
        self.refresh()

    # --- display ------------------------------------------------------------------------
    def refresh(self) -> None:
        prog = trust.programme(self.store)
        member = prog is not None
        coordinator = member and prog.coordinator_id == self.store.device_id
        self.join_box.setVisible(not member)
        for button in (self.send_button, self.folder_button, self.change_folder_button,
                       self.import_button, self.hub_button, self.hub_url):
            button.setEnabled(member)
        remembered = sync_folder.remembered_folder(self.context.data_dir)
        self.folder_button.setToolTip(str(remembered) if remembered else "")
        self.send_button.setVisible(not coordinator)
        self.approve_button.setVisible(coordinator)
        self.revoke_button.setVisible(coordinator)
        self.show_qr_button.setVisible(coordinator)
        if not member:
            self.identity.setText(_("This computer ({device}) is not part of a programme yet. "
                                    "A coordinator creates one; a trainer writes an enrolment "
                                    "request, gives it to the coordinator and accepts the "
                                    "certificate that comes back (as a file or as a QR code "
                                    "on the coordinator's screen).")
                                  .format(device=self.store.device_id[:8]))
            self.status.setText(self.enrolment.request_note())
            self.held_button.setVisible(False)
            self.peers.setRowCount(0)
            self._update_device_actions()
            return
        cert = trust.own_certificate(self.store)
        role = _("coordinator") if coordinator else _("trainer")
        self.identity.setText(_("Programme {name} · this computer is a {role} · area {scope} · "
                                "certificate valid until {until}").format(
            name=prog.name, role=role, scope=area_text(cert.scope),
            until=i18n.format_date(dt.datetime.fromisoformat(cert.expires).date())))
        counts = peers.exchange_counts(self.store)
        lines = []
        if not coordinator:
            pending = state.pending_count(self.store)
            lines.append(ngettext("{n} change made on this computer is not yet acknowledged "
                                  "by the coordinator.",
                                  "{n} changes made on this computer are not yet acknowledged "
                                  "by the coordinator.",
                                  pending).format(n=i18n.format_number(pending)))
        if counts["waiting"]:
            lines.append(ngettext("{n} record is waiting for an earlier bundle.",
                                  "{n} records are waiting for an earlier bundle.",
                                  counts["waiting"]).format(
                n=i18n.format_number(counts["waiting"])))
        if counts["refused"]:
            lines.append(ngettext(
                "{n} record was refused and is held for the coordinator (see Details).",
                "{n} records were refused and are held for the coordinator (see Details).",
                counts["refused"]).format(n=i18n.format_number(counts["refused"])))
        if counts["quarantined"]:
            lines.append(ngettext(
                "{n} record is quarantined: its device's clock is more than a day ahead.",
                "{n} records are quarantined: their device's clock is more than a day ahead.",
                counts["quarantined"]).format(n=i18n.format_number(counts["quarantined"])))
        if counts["unapplied"]:
            lines.append(ngettext("{n} record needs a newer version of the app.",
                                  "{n} records need a newer version of the app.",
                                  counts["unapplied"]).format(
                n=i18n.format_number(counts["unapplied"])))
        self.status.setText("\n".join(lines))
        self.held_button.setVisible(any(counts.values()))
        self.held_panel.refresh()
        known = peers.list_peers(self.store)
        names = peers.distinct_names({peer.device_id: peer.name for peer in known})
        self.peers.setRowCount(len(known))
        for row, peer in enumerate(known):
            name = names[peer.device_id]
            if peer.revoked:
                name = _("{name} (revoked)").format(name=name)
            values = [name, {trust.COORDINATOR: _("coordinator"), "hub": _("sync hub")}.get(
                          peer.role, _("trainer")),
                      area_text(peer.scope), _when(peer.last_import_at),
                      _when(peer.last_export_at), i18n.format_number(peer.own_pending)]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, peer.device_id)
                self.peers.setItem(row, column, item)
            self.peers.item(row, PENDING_COLUMN).setToolTip(self._pending_tip(peer))
        self._update_device_actions()

    def selected_device(self) -> str | None:
        items = self.peers.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _update_device_actions(self) -> None:
        """"Show enrolment QR code…" only for a trainer device that could still join with it;
        the tooltip says why not (the same checks as the QR code itself)."""
        device_id = self.selected_device()
        reason = ""
        if not trust.is_coordinator(self.store):
            reason = _("Only the programme's coordinator can show a device's enrolment.")
        elif device_id is None:
            reason = _("Select a trainer's computer in the list of devices first.")
        else:
            try:
                trust.enrolment_document(self.store, device_id)
            except UserError as error:
                reason = str(error)
        self.show_qr_button.setEnabled(not reason)
        self.show_qr_button.setToolTip(reason or _(
            "Show the certificate of the selected computer again as a QR code, for a trainer "
            "who missed it. It is not approved again."))

    @staticmethod
    def _pending_tip(peer: peers.Peer) -> str:
        """Why the next bundle to a device may carry more than this computer's own records."""
        own = ngettext("{n} record made on this computer has not been acknowledged by this "
                       "device.",
                       "{n} records made on this computer have not been acknowledged by this "
                       "device.", peer.own_pending).format(
            n=i18n.format_number(peer.own_pending))
        if peer.pending == peer.own_pending:
            return own
        return own + "\n" + ngettext(
            "The next bundle to it carries {n} record in all, with records from other "
            "computers that this one holds.",
            "The next bundle to it carries {n} records in all, with records from other "
            "computers that this one holds.", peer.pending).format(
            n=i18n.format_number(peer.pending))

    def held_text(self) -> str:
        """One line per received record that is not applied yet, and why."""
        from debc_outreach.core.hlc import wall_ms

        names = peers.device_names(self.store)
        reasons = {"waiting": _("waiting for an earlier bundle"),
                   "quarantined": _("quarantined: stamped more than a day ahead"),
                   "newer_version": _("needs a newer version of the app")}
        lines = []
        for held in peers.held_records(self.store):
            stamp = dt.datetime.fromtimestamp(wall_ms(held.hlc) / 1000, dt.UTC).astimezone()
            lines.append(_("{device} · record {seq} ({entity}) · {when} · {reason}").format(
                device=names.get(held.device_id, held.device_id[:8]),
                seq=i18n.format_year(held.seq), entity=held.entity,
                when=i18n.format_datetime(stamp, "short"),
                reason=held.detail if held.reason == "refused" else reasons[held.reason]))
        return "\n".join(lines)

    def show_records_to_repair(self) -> RepairDialog:
        dialog = RepairDialog(records_to_repair(self.store), self)
        dialog.open()
        return dialog

    def show_held(self) -> None:
        QMessageBox.information(self, _("Records not applied yet"), self.held_text())

    # --- exchanging (background tasks) --------------------------------------------------
    def _run(self, title: str, work, done):
        """Run `work(store, progress)` as a task; `done(result)` reports it, then
        `_after_exchange` announces what arrived (also when the user stopped it)."""
        task = StoreTask(self, title, self.context.store, work)
        task.succeeded.connect(done)
        task.cancelled.connect(self._after_exchange)
        task.start()
        return task

    def _choose_folder(self, title: str) -> Path | None:
        start = sync_folder.remembered_folder(self.context.data_dir) or Path.home()
        chosen = QFileDialog.getExistingDirectory(self, title, str(start))
        return Path(chosen) if chosen else None

    def send_to_coordinator(self, folder: Path | None = None):
        """Write a bundle for the coordinator into a folder (USB stick, shared folder…)."""
        folder = folder or self._choose_folder(_("Where should the bundle go?"))
        if folder is None:
            return None

        def work(store: Store, progress: Progress):
            from debc_outreach.sync import export

            coordinator = peers.coordinator_id(store)
            return export.export_bundle(store, coordinator, folder / export.bundle_filename(
                store, coordinator), report=progress.report,
                held_pack=active_pack_identity(store.data_dir))

        return self._run(_("Writing the bundle…"), work, self._sent)

    def _sent(self, result) -> None:
        self.last_report.say(lambda: ngettext(
            "Bundle written to {path}: {n} record for the coordinator. Take it to the "
            "coordinator or leave it in the shared folder.",
            "Bundle written to {path}: {n} records for the coordinator. Take it to the "
            "coordinator or leave it in the shared folder.", result.events).format(
            path=result.path, n=i18n.format_number(result.events)))
        self._after_exchange()

    def change_folder(self) -> None:
        folder = self._choose_folder(_("Choose the sync folder"))
        if folder is not None:
            sync_folder.remember_folder(self.context.data_dir, folder)
            self.refresh()

    def sync_with_folder(self, folder: Path | None = None):
        """One click: import what is addressed here, write what is due, acknowledge."""
        folder = folder or sync_folder.remembered_folder(self.context.data_dir) \
            or self._choose_folder(_("Choose the sync folder"))
        if folder is None:
            return None
        sync_folder.remember_folder(self.context.data_dir, folder)

        def work(store: Store, progress: Progress):
            result = sync_folder.sync_folder(store, folder, report=progress.report,
                                             cancelled=lambda: progress.cancelled,
                                             held_pack=active_pack_identity(store.data_dir))
            self._receive_packs(store)
            return result

        return self._run(_("Syncing with {folder}…").format(folder=folder), work, self._synced)

    def _synced(self, result) -> None:
        def text() -> str:
            lines = [ngettext("Imported {n} bundle, wrote {m}.",
                              "Imported {n} bundles, wrote {m}.", len(result.imported)).format(
                n=i18n.format_number(len(result.imported)),
                m=i18n.format_number(len(result.written)))]
            lines += [report_text(report) for report in result.imported
                      if not report.already_imported]
            lines += [_("Refused {name}: {reason}").format(name=name, reason=reason)
                      for name, reason in result.refused]
            return "\n".join(lines)

        self.last_report.say(text)
        self._after_exchange()

    def sync_now(self, url: str | None = None):
        """Push then pull with the hub; the address is remembered for the next time."""
        checked = attempt(self, lambda: hub_client.check_url(
            url if url is not None else self.hub_url.text()))
        if not checked:
            return None
        url = checked.value
        self.hub_url.setText(url)
        data_dir = self.context.data_dir
        proxy = hub_client.hub_settings(data_dir)["proxy"]
        hub_client.save_hub_settings(data_dir, url, proxy)

        def work(store: Store, progress: Progress):
            result = hub_client.sync_with_hub(store, url, report=progress.report,
                                              cancelled=lambda: progress.cancelled,
                                              proxy=proxy,
                                              held_pack=active_pack_identity(store.data_dir))
            self._receive_packs(store)
            return result

        return self._run(_("Syncing with the hub…"), work, self._hub_synced)

    def _hub_synced(self, result) -> None:
        def text() -> str:
            if result.cancelled:
                first = _("Sync with the hub stopped; what was sent is kept and the rest goes "
                          "next time.")
            else:
                first = ngettext(
                    "Synced with the hub: {sent} record sent, {received} received.",
                    "Synced with the hub: {sent} records sent, {received} received.",
                    result.pushed).format(sent=i18n.format_number(result.pushed),
                                          received=i18n.format_number(result.received))
            return "\n".join([first] + [report_text(report) for report in result.pulled
                                        if report.new])

        self.last_report.say(text)
        self._after_exchange()

    def import_bundle(self, path: Path | None = None):
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, _("Import a bundle"), str(Path.home()),
                _("Sync bundle (*{suffix})").format(suffix=bundle.SUFFIX))
            if not chosen:
                return None
            path = Path(chosen)

        def work(store: Store, progress: Progress):
            from debc_outreach.sync import importer

            report = importer.import_bundle(store, path, report=progress.report,
                                            cancelled=lambda: progress.cancelled)
            self._receive_packs(store)
            return report

        return self._run(_("Importing {name}…").format(name=path.name), work, self._imported)

    def _imported(self, report: ImportReport) -> None:
        self.last_report.say(lambda: report_text(report))
        self._after_exchange()

    def _receive_packs(self, store: Store) -> None:
        """In the task, after an exchange: install a content pack that came with it (checked
        like an import: trusted signature, whole pack, newer); `_after_exchange` says so."""
        from debc_outreach.content.importer import install_received

        self._received_packs = install_received(store.data_dir, store.database)

    def _after_exchange(self) -> None:
        received, self._received_packs = getattr(self, "_received_packs", []), []
        if received:
            lines = [_("Module pack {version} arrived with the sync and is now in use "
                       "(signed by {signer}).").format(version=result.version,
                                                      signer=result.signer)
                     for result in received]
            self.last_report.setText("\n".join([self.last_report.text(), *lines]))
            self.context.announce_change("content")
        # The task wrote through its own connection: move this window's clock past what
        # arrived, so the next edit made here is newer than every record received.
        newest = events.newest_applied_hlc(self.store.database.conn)
        if newest:
            self.store.clock.observe(newest)
        self.context.announce_change("")
