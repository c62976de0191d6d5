"""Example prepared answers of the office in Horst, in all ten languages, added by `quartiersbot demo` with the
example content, so the answer forms have something to offer from the first question on.

Staff change or delete them in the back office like their own ("Textbausteine"); adding the examples again
skips every title the quarter already has, so a deleted example stays deleted only until the next empty demo.
{hours} becomes several lines (one per day range), so it stands on lines of its own.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.questions import prepared
from bot.questions.models import PreparedAnswer

EXAMPLES: dict[str, dict[str, str]] = {
    "Brief in die Sprechstunde mitbringen": {
        "de": "Bitte kommen Sie mit dem Brief in unsere Sprechstunde:\n{hours}\nNennen Sie dort Ihre Nummer "
              "{reference}. Dann schauen wir den Brief gemeinsam an.",
        "de@easy": "Bitte bringen Sie den Brief mit.\nKommen Sie in die Sprechstunde:\n{hours}\nSagen Sie dort "
                   "Ihre Nummer: {reference}.\nWir lesen den Brief zusammen.",
        "en": "Please bring the letter to our office hours:\n{hours}\nGive your number {reference} there. We will "
              "look at the letter together.",
        "tr": "Lütfen mektupla birlikte danışma saatimize gelin:\n{hours}\nOrada numaranızı söyleyin: "
              "{reference}. Mektuba birlikte bakacağız.",
        "ar": "يرجى إحضار الرسالة إلى ساعات الاستشارة لدينا:\n{hours}\nاذكر رقمك هناك: {reference}. "
              "سننظر في الرسالة معًا.",
        "ro": "Vă rugăm să veniți cu scrisoarea la orele noastre de consultanță:\n{hours}\nSpuneți acolo numărul "
              "dumneavoastră: {reference}. Ne uităm împreună la scrisoare.",
        "bg": "Моля, елате с писмото в нашите консултантски часове:\n{hours}\nКажете там своя номер: "
              "{reference}. Ще прегледаме писмото заедно.",
        "uk": "Будь ласка, приходьте з листом на нашу консультацію:\n{hours}\nНазвіть там свій номер: "
              "{reference}. Ми разом переглянемо лист.",
        "ru": "Пожалуйста, приходите с письмом на нашу консультацию:\n{hours}\nНазовите там свой номер: "
              "{reference}. Мы вместе посмотрим письмо.",
        "pl": "Prosimy przyjść z listem na nasze godziny porad:\n{hours}\nProszę podać tam swój numer: "
              "{reference}. Razem przejrzymy list.",
    },
    "Dafür ist das Jobcenter zuständig": {
        "de": "Für diese Frage ist das Jobcenter zuständig. Bitte wenden Sie sich direkt an Ihre "
              "Ansprechperson dort. Wenn Sie dabei Hilfe brauchen, kommen Sie gern in unsere Sprechstunde:\n{hours}",
        "de@easy": "Bei dieser Frage hilft das Jobcenter.\nBitte fragen Sie dort Ihre Ansprech-Person.\n"
                   "Brauchen Sie Hilfe dabei? Dann kommen Sie in unsere Sprechstunde:\n{hours}",
        "en": "The Jobcenter is responsible for this question. Please contact your advisor there directly. If you "
              "need help with that, you are welcome to come to our office hours:\n{hours}",
        "tr": "Bu soru için Jobcenter sorumludur. Lütfen doğrudan oradaki danışmanınıza başvurun. Bu konuda "
              "yardıma ihtiyacınız olursa danışma saatimize gelebilirsiniz:\n{hours}",
        "ar": "مركز العمل (Jobcenter) هو المسؤول عن هذا السؤال. يرجى التواصل مباشرة مع الموظف المسؤول عنك "
              "هناك. إذا احتجت إلى مساعدة في ذلك، يمكنك المجيء إلى ساعات الاستشارة لدينا:\n{hours}",
        "ro": "Pentru această întrebare este responsabil Jobcenter-ul. Vă rugăm să vă adresați direct persoanei "
              "de contact de acolo. Dacă aveți nevoie de ajutor, veniți la orele noastre de consultanță:\n{hours}",
        "bg": "За този въпрос отговаря Jobcenter. Моля, обърнете се директно към вашия консултант там. Ако "
              "имате нужда от помощ, елате в нашите консултантски часове:\n{hours}",
        "uk": "З цим питанням потрібно звертатися до Jobcenter. Будь ласка, зверніться безпосередньо до свого "
              "консультанта там. Якщо вам потрібна допомога, приходьте на нашу консультацію:\n{hours}",
        "ru": "По этому вопросу нужно обращаться в Jobcenter. Пожалуйста, обратитесь напрямую к своему "
              "консультанту там. Если вам нужна помощь, приходите на нашу консультацию:\n{hours}",
        "pl": "W tej sprawie właściwy jest Jobcenter. Prosimy zwrócić się bezpośrednio do swojego doradcy w "
              "Jobcenter. Jeśli potrzebują Państwo pomocy, zapraszamy na nasze godziny porad:\n{hours}",
    },
    "Frage weitergegeben": {
        "de": "Wir haben Ihre Frage an die zuständige Stelle weitergegeben. Sobald wir eine Antwort haben, "
              "melden wir uns hier. Ihre Nummer: {reference}",
        "de@easy": "Wir haben Ihre Frage weiter-gegeben.\nAn die richtige Stelle.\nWir schreiben Ihnen hier, "
                   "wenn wir eine Antwort haben.\nIhre Nummer ist: {reference}",
        "en": "We have passed your question on to the office responsible. As soon as we have an answer, we will "
              "get back to you here. Your number: {reference}",
        "tr": "Sorunuzu ilgili birime ilettik. Bir cevap alır almaz size buradan yazacağız. Numaranız: "
              "{reference}",
        "ar": "لقد أحلنا سؤالك إلى الجهة المختصة. سنتواصل معك هنا فور حصولنا على إجابة. رقمك: {reference}",
        "ro": "Am transmis întrebarea dumneavoastră biroului responsabil. Imediat ce primim un răspuns, vă scriem "
              "aici. Numărul dumneavoastră: {reference}",
        "bg": "Предадохме въпроса ви на отговорната служба. Щом получим отговор, ще ви пишем тук. Вашият номер: "
              "{reference}",
        "uk": "Ми передали ваше питання до відповідної служби. Щойно отримаємо відповідь, напишемо вам тут. Ваш "
              "номер: {reference}",
        "ru": "Мы передали ваш вопрос в соответствующую службу. Как только получим ответ, напишем вам здесь. Ваш "
              "номер: {reference}",
        "pl": "Przekazaliśmy Państwa pytanie do właściwego urzędu. Gdy tylko otrzymamy odpowiedź, odezwiemy się "
              "tutaj. Państwa numer: {reference}",
    },
    "Adresse und Sprechstunde": {
        "de": "Sie finden uns hier: {address}\nUnsere Sprechstunde:\n{hours}",
        "de@easy": "Hier finden Sie uns: {address}\nDas sind die Zeiten von der Sprechstunde:\n{hours}",
        "en": "You can find us here: {address}\nOur office hours:\n{hours}",
        "tr": "Bizi burada bulabilirsiniz: {address}\nDanışma saatlerimiz:\n{hours}",
        "ar": "تجدوننا هنا: {address}\nساعات الاستشارة لدينا:\n{hours}",
        "ro": "Ne găsiți aici: {address}\nOrele noastre de consultanță:\n{hours}",
        "bg": "Ще ни намерите тук: {address}\nНашите консултантски часове:\n{hours}",
        "uk": "Ви знайдете нас тут: {address}\nГодини консультацій:\n{hours}",
        "ru": "Вы найдёте нас здесь: {address}\nЧасы консультаций:\n{hours}",
        "pl": "Znajdą nas Państwo tutaj: {address}\nNasze godziny porad:\n{hours}",
    },
}


async def add_example_answers(session: AsyncSession, quarter: str, now: dt.datetime) -> int:
    """The examples whose title the quarter does not have yet; how many were added."""
    titles = set(await session.scalars(select(PreparedAnswer.title).where(PreparedAnswer.quarter == quarter)))
    added = 0
    for title, texts in EXAMPLES.items():
        if title not in titles:
            await prepared.create(session, quarter, title, texts, now)
            added += 1
    return added
