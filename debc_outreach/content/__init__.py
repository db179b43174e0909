"""Awareness-module content packs: loading, checking, importing, handouts.

The small API other code uses:

    from debc_outreach.content import load_active_pack
    pack = load_active_pack(data_dir)          # imported pack, else the shipped one
    for module in pack.modules:
        module.title("km"), module.slides("en"), module.checklist   # items: id, km, en
    pack.checklist_item("spot-scams-fake-messages.signs")          # also retired ids

No Qt here, except the PDF handout renderer behind `handout.render_handout()`.
"""

from debc_outreach.content.loader import ContentError, load_active_pack, load_pack
from debc_outreach.content.model import ChecklistItem, GlossaryTerm, Module, Pack, Slide

__all__ = ["ContentError", "load_active_pack", "load_pack", "ChecklistItem", "GlossaryTerm",
           "Module", "Pack", "Slide"]
