"""The participation certificate: one function from certificate data to a PDF page.

`render_certificate()` is the only place a certificate is drawn. Extra images
(the signed QR code that lets anyone check it) are passed in `images` and placed under the
signature line, so adding them does not touch the layout code elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from debc_outreach.content.labels import label
from debc_outreach.i18n import N_
from debc_outreach.reports.formatting import date, number, text
from debc_outreach.reports.pdf.qr import qr_image, qr_layout_px

QR_NAME = "signed-qr"


@dataclass(frozen=True)
class CertificateData:
    participant_id: str
    name: str                                  # exactly as entered
    name_latin: str = ""                       # a Latin spelling, when the record has one
    modules: tuple[str, ...] = ()              # module titles in the certificate language
    skills: tuple[str, ...] = ()               # skills achieved, in that language
    date: str = ""                             # ISO date of the last session
    place: str = ""                            # where the last session was held
    programme: str = "DEBC Outreach"
    trainers: tuple[str, ...] = ()
    sessions: int = 0
    lang: str = "km"
    issued: str = ""                           # ISO date the certificate was made
    extra: dict = field(default_factory=dict)  # e.g. {"certificate_id": ...} for a QR code


def certificate_html(data: CertificateData, image_names: tuple[str, ...] = ()) -> str:
    lang = data.lang
    skills = "".join(f"<li>{text(s)}</li>" for s in data.skills)
    modules = "".join(f"<li>{text(m)}</li>" for m in data.modules)
    latin = (f'<p align="center" style="font-size: 16pt; margin: 0;">{text(data.name_latin)}</p>'
             if data.name_latin and data.name_latin != data.name else "")
    images = "".join(f'<img src="{name}"/> ' for name in image_names if name != QR_NAME)
    if QR_NAME in image_names:           # the signed QR code, with its code to type
        side = qr_layout_px()
        check_it = label(N_("Check it on the Verify a certificate screen."), lang)
        images += (f'<img src="{QR_NAME}" width="{side}" height="{side}"/><br/>'
                   f'<span style="font-size: 8pt;">{text(check_it)}</span><br/>'
                   f'<span style="font-family: monospace; font-size: 10pt;">'
                   f'{text(data.extra.get("short_code", ""))}</span>')
    intro = label(N_("This certifies that"), lang)
    took_part = label(N_("took part in the digital-literacy awareness programme"), lang)
    sessions_text = label(N_("Sessions attended: {n}"), lang).format(
        n=number(data.sessions, lang))
    # Marked outside the f-string below: Babel does not extract from f-strings.
    words = {"title": label(N_("Certificate of participation"), lang),
             "modules_title": label(N_("Modules completed"), lang),
             "skills_title": label(N_("Skills shown"), lang),
             "trainer": label(N_("Trainer"), lang), "issued": label(N_("Issued"), lang),
             "signature": label(N_("Signature"), lang)}
    return f"""<html><head><style>
body {{ font-family: 'Noto Sans Khmer'; }}
h1 {{ font-size: 26pt; font-weight: 600; color: #1F4E79; margin: 0; }}
h2 {{ font-size: 12pt; font-weight: 600; margin: 14px 0 2px 0; }}
p {{ margin: 2px 0; }}
</style></head><body>
<table width="100%" border="3" cellpadding="22" cellspacing="0"
 style="border-color: #1F4E79; border-style: double;"><tr><td>
<p align="center" style="font-size: 12pt; color: #555555;">{text(data.programme)}</p>
<h1 align="center">{text(words["title"])}</h1>
<p align="center" style="font-size: 12pt; margin-top: 16px;">{text(intro)}</p>
<p align="center" style="font-size: 24pt; font-weight: 600; margin: 8px 0 0 0;">
{text(data.name)}</p>
{latin}
<p align="center" style="font-size: 12pt; margin-top: 10px;">{text(took_part)}</p>
<p align="center" style="font-size: 11pt;">{text(data.place)} · {text(date(data.date, lang))}
 · {text(sessions_text)}</p>
<h2>{text(words["modules_title"])}</h2><ul>{modules}</ul>
<h2>{text(words["skills_title"])}</h2><ul>{skills or '<li>—</li>'}</ul>
<br/><table width="100%" cellpadding="4"><tr>
<td width="60%"><p>{text(words["trainer"])}: {text("; ".join(data.trainers))}</p>
<p>{text(words["issued"])}: {text(date(data.issued, lang))}</p>
<p style="color: #777777; font-size: 8pt;">{text(data.participant_id)}</p></td>
<td width="40%" align="center"><br/><br/>______________________________<br/>
{text(words["signature"])}<br/>{images}</td></tr></table>
</td></tr></table></body></html>"""


def render_certificate(data: CertificateData, path: Path, images: dict | None = None) -> Path:
    """Write the certificate for `data` to `path` (A4 portrait). `images`: name -> QImage."""
    from debc_outreach.reports.pdf.render import render_pdf

    images = dict(images or {})
    if data.extra.get("signed_code"):
        images[QR_NAME] = qr_image(data.extra["signed_code"])
    names = tuple(images.keys())
    return render_pdf(certificate_html(data, names), path,
                      title=label(N_("Certificate of participation"), data.lang),
                      images=images, body_points=11.0, one_page=True)
