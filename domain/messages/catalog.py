"""The message templates, per language: what the patient reads, word for word.

Keys are catalogue languages (`en`, `zh_Hans`, `ru`, `ar`); placeholders are the
names of typed parameters (params.py), formatted for the reader's locale by
Babel. English is complete by definition; a language may lack a template, and
then the English one is used (render.py says so, once per language and template).
Kept as Python data, not files, so domain/ reads nothing at run time. A long date
may end in its own full stop (Russian "г."), so no template puts one right after a date.
"""

from __future__ import annotations

from typing import NamedTuple


class Template(NamedTuple):
    subject: str
    body: str


EN: dict[str, Template] = {
    "records_reminder": Template(
        "Your medical records",
        "We are still waiting for your medical records (pathology, imaging and prior treatments). "
        "We asked for them on {since}. Please send them so that your treatment can be assessed.",
    ),
    "follow_up_reminder": Template(
        "Your follow-up visit",
        "Your follow-up visit (day {visit_day} after your infusion) is due on {due_on}. "
        "Please attend at the centre as planned.",
    ),
    "teleconsult_booked": Template(
        "Your teleconsultation is booked",
        "Your teleconsultation with {centre} is booked. Booking reference: {reference}.",
    ),
    "flight_booked": Template(
        "Your flight is booked",
        "Your flight for your treatment at {centre} is booked. Booking reference: {reference}.",
    ),
    "accommodation_booked": Template(
        "Your accommodation is booked",
        "Your accommodation during your treatment at {centre} is booked. Booking reference: {reference}.",
    ),
    "interpreter_booked": Template(
        "Your interpreter is booked",
        "An interpreter is booked for your treatment at {centre}. Booking reference: {reference}.",
    ),
    "estimate_ready": Template(
        "Your cost estimate",
        "The estimated cost of your treatment is {estimate_usd} (about {estimate_rmb}). "
        "A deposit of {deposit} is due before your admission.",
    ),
    "deposit_reminder": Template(
        "Your deposit",
        "We have not yet received your deposit. Still to pay: {outstanding} (deposit {deposit}). "
        "Your flight and accommodation are booked once it has arrived.",
    ),
}

ZH_HANS: dict[str, Template] = {
    "records_reminder": Template(
        "您的病历资料",
        "我们仍在等待您的病历资料（病理、影像和既往治疗记录）。我们已于{since}向您索取。请尽快发送，以便评估您的治疗。",
    ),
    "follow_up_reminder": Template(
        "随访提醒",
        "您的随访（输注后第{visit_day}天）定于{due_on}。请按计划前往治疗中心。",
    ),
    "teleconsult_booked": Template("远程会诊已预约", "您与{centre}的远程会诊已预约。预约编号：{reference}。"),
    "flight_booked": Template("航班已预订", "您前往{centre}接受治疗的航班已预订。预订编号：{reference}。"),
    "accommodation_booked": Template("住宿已预订", "您在{centre}治疗期间的住宿已预订。预订编号：{reference}。"),
    "interpreter_booked": Template("翻译已预约", "您在{centre}治疗期间的翻译已预约。预约编号：{reference}。"),
    "estimate_ready": Template(
        "您的费用估算",
        "您的治疗费用估算为{estimate_usd}（约{estimate_rmb}）。入院前需支付押金{deposit}。",
    ),
    "deposit_reminder": Template(
        "押金提醒",
        "我们尚未收到您的押金。尚需支付：{outstanding}（押金{deposit}）。收到押金后，我们将为您预订航班和住宿。",
    ),
}

RU: dict[str, Template] = {
    "records_reminder": Template(
        "Ваши медицинские документы",
        "Мы всё ещё ждём ваши медицинские документы (патоморфология, снимки и предшествующее лечение), "
        "запрошенные {since}: пришлите их, пожалуйста, чтобы мы могли оценить возможность лечения.",
    ),
    "follow_up_reminder": Template(
        "Контрольный визит",
        "{due_on} — ваш контрольный визит (день {visit_day} после инфузии). "
        "Пожалуйста, приходите в клинику, как запланировано.",
    ),
    "teleconsult_booked": Template(
        "Телеконсультация назначена",
        "Ваша телеконсультация с клиникой {centre} назначена. Номер брони: {reference}.",
    ),
    "flight_booked": Template(
        "Перелёт забронирован",
        "Ваш перелёт на лечение в клинику {centre} забронирован. Номер брони: {reference}.",
    ),
    "accommodation_booked": Template(
        "Жильё забронировано",
        "Жильё на время лечения в клинике {centre} забронировано. Номер брони: {reference}.",
    ),
    "interpreter_booked": Template(
        "Переводчик забронирован",
        "Переводчик на время лечения в клинике {centre} забронирован. Номер брони: {reference}.",
    ),
    "estimate_ready": Template(
        "Смета лечения",
        "Предварительная стоимость лечения: {estimate_usd} (около {estimate_rmb}). "
        "До госпитализации необходимо внести депозит {deposit}.",
    ),
    "deposit_reminder": Template(
        "Депозит",
        "Мы ещё не получили ваш депозит. Осталось оплатить: {outstanding} (депозит {deposit}). "
        "Перелёт и жильё будут забронированы после его получения.",
    ),
}

AR: dict[str, Template] = {
    "records_reminder": Template(
        "سجلاتك الطبية",
        "ما زلنا ننتظر سجلاتك الطبية (تقارير علم الأمراض والتصوير والعلاجات السابقة). "
        "طلبناها منك في {since}. يرجى إرسالها حتى نتمكن من تقييم علاجك.",
    ),
    "follow_up_reminder": Template(
        "موعد المتابعة",
        "موعد زيارة المتابعة (اليوم {visit_day} بعد التسريب) هو {due_on}. يرجى الحضور إلى المركز كما هو مخطط.",
    ),
    "teleconsult_booked": Template(
        "تم حجز الاستشارة عن بعد", "تم حجز استشارتك عن بعد مع {centre}. رقم الحجز: {reference}."
    ),
    "flight_booked": Template("تم حجز رحلتك", "تم حجز رحلتك للعلاج في {centre}. رقم الحجز: {reference}."),
    "accommodation_booked": Template(
        "تم حجز السكن", "تم حجز سكنك خلال فترة العلاج في {centre}. رقم الحجز: {reference}."
    ),
    "interpreter_booked": Template(
        "تم حجز المترجم", "تم حجز مترجم لك خلال فترة العلاج في {centre}. رقم الحجز: {reference}."
    ),
    "estimate_ready": Template(
        "تقدير تكلفة العلاج",
        "التكلفة التقديرية لعلاجك {estimate_usd} (حوالي {estimate_rmb}). "
        "يجب دفع عربون قدره {deposit} قبل الدخول إلى المستشفى.",
    ),
    "deposit_reminder": Template(
        "تذكير بالعربون",
        "لم نستلم العربون بعد. المبلغ المتبقي: {outstanding} (العربون {deposit}). سنحجز رحلتك وسكنك بعد استلامه.",
    ),
}

CATALOGUE: dict[str, dict[str, Template]] = {"en": EN, "zh_Hans": ZH_HANS, "ru": RU, "ar": AR}
