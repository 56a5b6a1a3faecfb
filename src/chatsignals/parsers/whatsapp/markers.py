"""What WhatsApp writes in place of media, deleted and edited messages, in several languages.

Every pattern here works in Python ``re`` and in RE2 (pyarrow), so the parser can mark a million
messages with one vectorised pass per pattern and only run Python on the few that match.
The phrase lists cover the languages WhatsApp exports we have seen (English, German, Spanish,
French, Portuguese, Italian, Dutch, Chinese); an unknown translation stays plain text.
"""

from __future__ import annotations

import re

from .layouts import MARKS

_M = f"[{MARKS}]*"

#: a whole message that only says media was left out of the export (Android)
MEDIA_OMITTED_PHRASES = (
    "Media omitted",
    "Medien ausgeschlossen",
    "Multimedia omitido",
    "Archivo multimedia omitido",
    "Médias omis",
    "Média omis",
    "媒体已忽略",
    "已忽略媒体",
    "Mídia oculta",
    "Arquivo de mídia oculto",
    "Media omessi",
    "Media weggelaten",
)
MEDIA_OMITTED = rf"^{_M}<(?:{'|'.join(re.escape(p) for p in MEDIA_OMITTED_PHRASES)})>{_M}$"

_OMITTED_KIND = (
    r"(?P<kind>image|video|audio|sticker|GIF|document|Contact card|photo|"
    r"Bild|Video|Audio|Sticker|Dokument|Kontaktkarte|"
    r"imagen|vídeo|documento|tarjeta de contacto|vidéo|autocollant|fiche contact)"
    r" (?:omitted|weggelassen|omitid[oa]|omise?|omitida|ocultad[oa])$"
)
#: iOS: "image omitted", "document omitted" (after "name.pdf • 3 pages"); for RE2 (a DFA: the
#: overlapping repeats cost nothing there); Python uses the linear IOS_OMITTED_END + a split
IOS_OMITTED = rf"^{_M}(?:[^\n]*?\s*•[^\n]*?{_M})?{_M}{_OMITTED_KIND}"
IOS_OMITTED_END = rf"(?:^|[\s{MARKS}]){_OMITTED_KIND}"

#: iOS zip exports: "<attached: 00000012-PHOTO-2025-03-05-09-15-32.jpg>"
ATTACHED_TAG = (
    r"<(?:attached|Anhang|adjunto|anexado|allegato|pièce jointe|bijlage|附件)"
    r" ?: (?P<name>[^<>\n]+)>"
)

#: Android zip exports: "IMG-20250305-WA0001.jpg (file attached)" as the first line
FILE_ATTACHED = (
    rf"^{_M}(?P<name>[^\n{MARKS}][^\n]*?) \((?:file attached|Datei angehängt|archivo adjunto|"
    r"fichier joint|arquivo anexado|file allegato|bestand bijgevoegd|文件已附上|已附加文件)\)"
)

#: the whole message says it was deleted (the row is kept, is_deleted set)
DELETED_PHRASES = (
    "This message was deleted",
    "You deleted this message",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
    "Esta mensagem foi apagada",
    "Mensagem apagada",
    "Você apagou esta mensagem",
    "Dit bericht is verwijderd",
    "Je hebt dit bericht verwijderd",
    "此消息已删除",
    "该消息已删除",
    "你删除了此消息",
    "您删除了此消息",
)
DELETED = rf"^{_M}(?:{'|'.join(re.escape(p) for p in DELETED_PHRASES)})\.?{_M}$"

#: appended to an edited message: "... <This message was edited>"
EDITED_PHRASES = (
    "This message was edited",
    "Diese Nachricht wurde bearbeitet",
    "Se editó este mensaje.",
    "Se editó este mensaje",
    "Ce message a été modifié",
    "Questo messaggio è stato modificato",
    "Mensagem editada",
    "Dit bericht is bewerkt",
    "已编辑此消息",
    "此消息已编辑",
    "已编辑",
)
EDITED = rf"<(?:{'|'.join(re.escape(p) for p in EDITED_PHRASES)})>{_M}$"

#: an authored row that is really a notice: "Tom changed the subject from "a" to "b: c""
NOTICE_AUTHOR = (
    r"^.+ (?:changed the subject|changed the group description|changed this group|"
    r"hat den Betreff|hat die Gruppenbeschreibung|cambió el asunto|a modifié le sujet|"
    r"alterou o assunto|ha cambiato l'oggetto)"
)

#: iOS writes notices as "[..] Chat name: \u200eMessages and calls are end-to-end encrypted."
IOS_NOTICE = (
    rf"^[{MARKS}]+(?:.*(?:end-to-end encrypted|Ende-zu-Ende-verschlüsselt|cifrados de extremo a "
    r"extremo|chiffrés de bout en bout|protegidas com a criptografia de ponta a ponta|"
    r"crittografia end-to-end|end-to-end versleuteld|端到端加密|security code|Sicherheitsnummer|"
    r"Disappearing messages|Selbstlöschende Nachrichten)|"
    r"Missed (?:voice|video|group voice|group video) call|Verpasster (?:Sprach|Video)anruf|"
    r".*(?: created (?:group|this group)| added | removed | left$| joined | changed (?:the|this|their) |"
    r" blocked this contact| unblocked this contact| hat die Gruppe| hat .* hinzugefügt))"
)

URL = r"(?i)(?:https?://|www\.)[^\s]+"

_TYPE_BY_PREFIX = (
    ("IMG-", "image"), ("PHOTO", "image"), ("VID-", "video"), ("VIDEO", "video"),
    ("PTT-", "voice"), ("AUD-", "voice"), ("AUDIO", "voice"), ("STK-", "sticker"),
    ("STICKER", "sticker"), ("GIF", "video"), ("DOC-", "file"),
)
_TYPE_BY_SUFFIX = {
    "jpg": "image", "jpeg": "image", "png": "image", "heic": "image", "webp": "sticker",
    "gif": "image", "mp4": "video", "mov": "video", "3gp": "video", "opus": "voice",
    "ogg": "voice", "m4a": "voice", "mp3": "voice", "aac": "voice", "amr": "voice",
}
_TYPE_BY_WORD = {
    "image": "image", "bild": "image", "imagen": "image", "photo": "image", "video": "video",
    "vídeo": "video", "vidéo": "video", "gif": "video", "audio": "voice", "sticker": "sticker",
    "autocollant": "sticker",
}

_ios_omitted = re.compile(IOS_OMITTED_END)
_media_omitted = re.compile(MEDIA_OMITTED)
_attached = re.compile(ATTACHED_TAG)
_file_attached = re.compile(FILE_ATTACHED)


def type_of_name(name: str) -> str:
    """image, video, voice, sticker or file, from a WhatsApp media file name."""
    upper = name.upper()
    for prefix, kind in _TYPE_BY_PREFIX:
        if upper.startswith(prefix) or f"-{prefix}" in upper:
            return kind
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _TYPE_BY_SUFFIX.get(suffix, "file")


def media_of(text: str) -> tuple[list[str], str]:
    """(attachment names or omission markers, message_type) of a message that names media.

    An omitted medium has no file name; its marker (``<Media omitted>``, ``image omitted``)
    stands in the attachments list so the row still says something was sent.
    """
    names = [m["name"].strip() for m in _attached.finditer(text)]
    if names:
        return names, type_of_name(names[0])
    first = text.split("\n", 1)[0]
    if m := _file_attached.match(first):
        name = m["name"].strip(MARKS + " ")
        return [name], type_of_name(name)
    stripped = text.strip(MARKS + " ")
    if (m := _ios_omitted.search(stripped)) and "\n" not in stripped:
        before = stripped[: m.start("kind")].strip(MARKS + " ")
        if not before or "•" in before:  # "image omitted" / "name.pdf • 3 pages document omitted"
            doc = before.split("•", 1)[0].strip(MARKS + " ")
            return [doc or stripped], _TYPE_BY_WORD.get(m["kind"].casefold(), "file")
    if _media_omitted.match(stripped):
        return [stripped], "media"
    return [], "text"
