"""The languages a bot's documents may be in: each one's Snowball stemmer and stop words."""

from __future__ import annotations

# Function words, plus the filler of questions typed into a chat box. They never pick
# passages: a question is about its content words.
_STOPWORDS = {
    "en": """a about above after again against all also am an and any are aren as at be because
    been before being below between both but by can cannot could couldn did didn do does doesn
    doing don down during each either else etc ever every few for from further get gets got had
    hadn has hasn have haven having he her here hers herself him himself his how however i if in
    into is isn it its itself just let like ll me might more most must my myself no nor not now
    of off on once one only or other otherwise our ours ourselves out over own per please re
    same shall she should shouldn so some such than that the their theirs them themselves then
    there these they this those through thus to too under until up upon us ve very via was
    wasn we were weren what whatever when where whether which while who whom whose why will
    with within without won would wouldn yes yet you your yours yourself yourselves
    anyone anything someone something tell know want wanted need needs explain hi hello hey
    thanks thank possible way ways much many""",
    "fr": """a à afin ai aie aient ainsi alors as au aucun aucune aujourd auprès aussi autre autres
    aux avec avez avoir avons c ça car ce ceci cela celle celles celui ces cet cette ceux chaque
    chez combien comme comment d dans de des dois doit donc dont du elle elles en encore est et
    étaient
    était été être eu eux fait faire faut il ils j je jusqu l la le les leur leurs lui m ma mais me
    même mes moi mon n ne ni nos notre nous on ont ou où par parce pas pendant peu peut peuvent
    peux plus pour pourquoi pouvez puis puisque qu quand que quel quelle quelles quels qui quoi s
    sa sans se ses si sien son sont sous suis sur t ta te tes toi ton tous tout toute toutes très
    tu un une unes uns vos votre vous y bonjour merci svp voudrais veux""",
    "de": """aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes auch auf aus bei bin bis bist da damit dann das dass dazu dein deine dem den denn der
    des dessen dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine
    einem einen einer eines er es etwas euch euer für gegen hab habe haben hat hatte hier hin hinter
    ich ihm ihn ihnen ihr ihre im in ist ja jede jedem jeden jeder jedes jetzt kann kein keine
    können könnte man manche mein meine mich mir mit muss müssen nach nicht nichts noch nun nur ob
    oder ohne sehr sein seine sich sie sind so soll sollte sondern über um und uns unser unter
    viel vom von vor war waren was weil welche welcher wenn wer werde werden wie wieder will wir
    wird wo wollen würde zu zum zur zwischen hallo danke bitte gibt viel viele wieviel""",
    "es": """a al algo algunas algunos ante antes como con contra cual cuales cuando cómo cuál
    cuándo de del desde donde dónde durante e el él ella ellas ellos en entre era eres es esa esas
    ese eso esos esta está están estas este esto estos estoy fue fueron ha hace hacer han has hasta
    hay la las le les lo los más me mi mis mucho muy nada ni no nos nosotros o os otra otro para
    pero poco por porque puede pueden puedo qué que quien quién se sea ser si sí sin sobre son su
    sus también tanto te tengo tiene tienen todo todos tu tú tus un una uno unos usted ustedes y ya
    yo hola gracias quiero cuánto cuánta cuántos cuántas""",
    "nl": """aan al alle alles als ben bij dan dat de der deze die dit doch doen door dus een en
    er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja
    je jij jou jouw kan kon kunnen kunt maar me meer men met mij mijn moet na naar niet niets nog
    nu of om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel voor want
    waren was wat we wel werd wie wij wil wordt worden zal ze zei zelf zich zij zijn zo zonder
    zou hallo bedankt graag hoeveel""",
    "pt": """a à ao aos aquela aquele as até com como da das de dela dele deles depois do dos e é
    ela elas ele eles em entre era essa esse esta está estão este eu foi for há isso isto já la
    lhe mais mas me meu minha muito na não nas nem no nos nós num numa o os ou para pela pelo
    pode podem posso por porque qual quando que quem se sem ser seu seus sua suas também te tem
    tenho um uma você vocês olá obrigado quero quanto quanta quantos quantas""",
    "it": """a ad al alla alle agli ai anche come con contro da dal dalla dei del della delle
    dello di dove e è ed era essere gli ha hanno ho i il in io la le lei li lo loro lui ma mi mia
    mio ne nei nel nella noi non nostro o per perché più può posso puoi quale quando quanto quella
    quello questa questo se si sia siamo sono su sua sue suo sul sulla ti tra tu tua tuo tutti
    tutto un una uno voi vostro ciao grazie vorrei voglio quanto quanta quanti quante""",
}
LANGUAGES = {
    "en": ("English", "english"),
    "fr": ("Français", "french"),
    "de": ("Deutsch", "german"),
    "es": ("Español", "spanish"),
    "nl": ("Nederlands", "dutch"),
    "pt": ("Português", "portuguese"),
    "it": ("Italiano", "italian"),
}
STOPWORDS = {code: frozenset(words.split()) for code, words in _STOPWORDS.items()}
DEFAULT = "en"


def normalise(language: str | None) -> str:
    """Return a supported language code, English when unknown."""
    code = (language or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT


def choices() -> list[tuple[str, str]]:
    """Return (code, name) pairs for a settings form."""
    return [(code, name) for code, (name, _) in LANGUAGES.items()]
