"""What the demo's reporters write, in their own languages: short accounts per reporter choice.

Synthetic and deliberately ordinary: no real person, unit or village is named, and nothing here
describes a real event. Each account is one sentence for what happened and, sometimes, one of the
closing sentences a reporter adds. Verifiers' questions and reporters' answers are per language
too, since a desk writes to reporters in the language they wrote in.
"""

from __future__ import annotations

from typing import Final

# language -> reporter choice key -> accounts
ACCOUNTS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "ar": {
        "IC-1.checkpoint-money": (
            "أوقفوا سيارة الأجرة عند السيطرة على مدخل المدينة وطلبوا عشرة آلاف دينار من كل راكب"
            " قبل أن يسمحوا لنا بالمرور.",
            "عند نقطة التفتيش قرب السوق أخذ الجنود صندوقين من الخضار من شاحنة أخي ولم يعطوه أي"
            " ورقة.",
        ),
        "IC-1.paid-for-release": (
            "اعتُقل ابن عمي ثلاثة أيام، ولم يُطلق سراحه إلا بعد أن دفعت العائلة مبلغاً لضابط في"
            " المركز.",
        ),
        "HR-1.killing": (
            "أطلق مسلحون بزي رسمي النار على شاب أمام منزله ليلاً، وتوفي قبل وصوله إلى المستشفى.",
        ),
        "HR-1.torture": (
            "خرج جارنا من الاحتجاز وعلى ظهره آثار ضرب بالكيبلات، وقال إنهم علّقوه من يديه ساعات.",
        ),
        "HR-1.disappeared": (
            "أخذت قوة بسيارات بلا لوحات أخي من البيت فجراً، ولا أحد في المراكز يعترف بأنه عندهم.",
        ),
        "HR-2.held-no-reason": (
            "احتُجز خمسة شبان من حيّنا أسبوعين دون أن يُعرضوا على قاضٍ ودون أن يُقال لهم السبب.",
        ),
        "OA-3.reprisal": (
            "بعد أن تحدثت زميلتي عن الاعتقالات في اجتماع المجلس المحلي، زار رجال أمن مكتب جمعيتنا"
            " وصادروا الحواسيب وهددوها.",
        ),
        "CH-1.hit-in-operation": (
            "سقطت قذيفة أثناء العملية على بيت طيني في أطراف القرية، وأصيبت امرأة وطفلان.",
        ),
        "IN-2.targeted-searches": (
            "في نقطة التفتيش يُنزلون فقط من يحمل هوية من قضائنا، أما الباقون فيمرون دون تفتيش.",
        ),
        "AD-1.turned-up-elsewhere": (
            "رأينا بنادق جديدة عليها نفس العلامات التي وُزعت على الفوج معروضة للبيع في سوق السلاح.",
        ),
        "OA-1.complaint-ignored": (
            "قدّمنا شكوى رسمية عن الضرب قبل ثلاثة أشهر، ولم يتصل بنا أحد من لجنة التحقيق حتى الآن.",
        ),
        "PM-1.bought-promotion": (
            "رُقّي ضابط في اللواء فوق زملاء أقدم منه، والجميع يعرف أنه دفع لمن في المقر.",
        ),
    },
    "ckb": {
        "IC-1.checkpoint-money": (
            "لە خاڵی پشکنینی سەر ڕێگای شار داوای پارەیان لە شۆفێرەکان کرد، هەرکەسێک نەیدابا"
            " ماشێنەکەیان ڕادەگرت.",
            "پاسەوانەکانی خاڵەکە بەنزینیان لە بارهەڵگرێک برد و هیچ پسوڵەیەکیان نەدا.",
        ),
        "IC-1.paid-for-release": (
            "برای هاوڕێکەم دوو ڕۆژ گیرا و تەنها دوای ئەوەی خێزانەکەی پارەیان دا ئازاد کرا.",
        ),
        "HR-1.killing": (
            "چەکدارانی جلی فەرمی لە شەودا تەقەیان لە گەنجێک کرد لە بەردەم ماڵەکەی و گیانی"
            " لەدەستدا.",
        ),
        "HR-1.torture": (
            "دراوسێکەمان دوای بەربوون شوێنی لێدانی بە کێبڵ لەسەر پشتی بوو و گوتی چەند کاتژمێر"
            " هەڵیانواسی.",
        ),
        "HR-1.disappeared": (
            "هێزێک بە ئۆتۆمبێلی بێ ژمارە کوڕەکەیان لە ماڵەوە برد و کەس نازانێت لە کوێیە.",
        ),
        "HR-2.held-no-reason": (
            "چوار قوتابی هەفتەیەک گیران بێ ئەوەی بزانن بۆچی و بێ ئەوەی بیانبەنە لای دادوەر.",
        ),
        "OA-3.reprisal": (
            "دوای ئەوەی ڕاپۆرتەکەمان بڵاوکردەوە، ئاسایش بانگی بەڕێوەبەری ڕێکخراوەکەمانی کرد و"
            " هەڕەشەیان لێکرد.",
        ),
        "CH-1.hit-in-operation": (
            "لە کاتی ئۆپەراسیۆنەکەدا تۆپێک کەوتە سەر کێڵگەیەک و دوو شوان بریندار بوون.",
        ),
        "IN-2.targeted-searches": (
            "لە خاڵەکە تەنها ئەوانەی ناسنامەیان لە گوندەکانی ئێمەیە دادەبەزێنن و پشکنینیان دەکەن.",
        ),
        "AD-1.turned-up-elsewhere": (
            "تفەنگی نوێ بە هەمان نیشانەی یەکەکە لە بازاڕی چەکدا بۆ فرۆشتن دانرابوو.",
        ),
        "OA-1.complaint-ignored": (
            "سکاڵامان لەسەر لێدانەکە تۆمار کرد بەڵام دوای سێ مانگ هیچ لێکۆڵینەوەیەک نەکراوە.",
        ),
        "PM-1.bought-promotion": (
            "ئەفسەرێک پلەی بەرزکرایەوە بەسەر هاوڕێ کۆنەکانیدا و هەموو دەزانن پارەی داوە.",
        ),
    },
    "so": {
        "IC-1.checkpoint-money": (
            "Isbaarada laga soo galo magaalada askartu waxay ka qaadeen darawal kasta lacag, kii"
            " diida gaarigiisa waa la celiyay.",
            "Askarta isbaarada ayaa baabuurka xamuulka ka qaatay laba kiish oo bariis ah, rasiid"
            " la'aan.",
        ),
        "IC-1.paid-for-release": (
            "Wiilka adeerkay saddex maalmood ayaa la xiray, waxaana la sii daayay markii qoyska"
            " ay sarkaal lacag siiyeen.",
        ),
        "HR-1.killing": (
            "Rag hubeysan oo labisan dharka ciidanka ayaa habeenkii rasaas ku furay nin dhallinyaro"
            " ah oo albaabka gurigiisa taagnaa, wuuna dhintay.",
        ),
        "HR-1.torture": (
            "Deriskeenna markii la sii daayay dhabarkiisa waxaa ku yaal raad garaacis, wuxuu"
            " sheegay in gacmaha laga laalaadiyay saacado.",
        ),
        "HR-1.disappeared": (
            "Ciidan wata gaari aan taargo lahayn ayaa walaalkay guriga ka qaaday waaberigii, ilaa"
            " hadda lama oga meesha uu ku jiro.",
        ),
        "HR-2.held-no-reason": (
            "Shan nin oo xaafaddeenna ah ayaa laba toddobaad la xiray iyadoo aan garsoore la hor"
            " keenin lana sheegin sababta.",
        ),
        "OA-3.reprisal": (
            "Kadib markii ururkeennu ka warbixiyay xarigga, nabadsugidda ayaa xafiiska timid oo"
            " qaadatay kombiyuutarrada.",
        ),
        "CH-1.hit-in-operation": (
            "Hawlgalka dhexdiisa hoobiye ayaa ku dhacay aqal ku yaal duleedka tuulada, waxaa"
            " dhaawacmay haweeney iyo laba carruur ah.",
        ),
        "IN-2.targeted-searches": (
            "Isbaarada waxaa la dejiyaa oo kaliya dadka beeshayada ka dhashay, kuwa kale si"
            " xor ah ayay u gudbaan.",
        ),
        "AD-1.turned-up-elsewhere": (
            "Qoryo cusub oo leh calaamadaha ciidanka ayaa lagu iibinayay suuqa hubka.",
        ),
        "OA-1.complaint-ignored": (
            "Saddex bilood ka hor ayaan dacwad ka gudbinnay garaacista, weli cidna nalama soo"
            " xiriirin.",
        ),
        "PM-1.bought-promotion": (
            "Sarkaal ayaa loo dallacsiiyay kuwo ka da' weyn, dadka oo dhan waxay og yihiin inuu"
            " lacag bixiyay.",
        ),
    },
    "fr": {
        "IC-1.checkpoint-money": (
            "Au poste de contrôle à l'entrée de la ville, les gendarmes ont exigé deux mille francs"
            " de chaque passager du car avant de nous laisser passer.",
            "Les militaires du barrage ont pris trois sacs de mil dans la charrette de mon oncle"
            " sans lui donner de reçu.",
        ),
        "IC-1.paid-for-release": (
            "Mon cousin a été gardé trois jours au poste et n'a été relâché qu'après que la"
            " famille a payé un agent.",
        ),
        "HR-1.killing": (
            "Des hommes armés en tenue ont tiré sur un jeune berger près du puits ; il est mort"
            " avant l'arrivée des secours.",
        ),
        "HR-1.torture": (
            "Notre voisin est sorti de détention avec des traces de coups de ceinture sur le dos ;"
            " il dit qu'on l'a frappé pour le faire parler.",
        ),
        "HR-1.disappeared": (
            "Des militaires ont emmené mon frère au marché hebdomadaire et aucune brigade ne"
            " reconnaît le détenir.",
        ),
        "HR-2.held-no-reason": (
            "Six commerçants du quartier sont détenus depuis deux semaines sans avoir vu un juge"
            " ni connu le motif.",
        ),
        "OA-3.reprisal": (
            "Après notre communiqué sur les arrestations, des agents sont venus au siège de"
            " l'association et ont menacé notre coordinatrice.",
        ),
        "CH-1.hit-in-operation": (
            "Pendant l'opération, une frappe a touché un enclos à la sortie du village ; deux"
            " enfants ont été blessés.",
        ),
        "IN-2.targeted-searches": (
            "Au contrôle, seuls les voyageurs de notre communauté sont fouillés et retenus, les"
            " autres passent.",
        ),
        "AD-1.turned-up-elsewhere": (
            "Des fusils neufs portant les mêmes marquages que ceux de la compagnie étaient vendus"
            " au marché de bétail.",
        ),
        "OA-1.complaint-ignored": (
            "Nous avons déposé plainte pour les coups il y a trois mois et personne ne nous a"
            " convoqués depuis.",
        ),
        "PM-1.bought-promotion": (
            "Un sous-officier a été promu avant des collègues plus anciens ; tout le monde sait"
            " qu'il a payé.",
        ),
    },
    "ha": {
        "IC-1.checkpoint-money": (
            "A shingen binciken shiga gari, jami'ai sun karɓi kuɗi daga kowane fasinja kafin su"
            " bar motarmu ta wuce.",
            "Sojojin shinge sun ɗauki buhunan gero biyu daga amalanken kawuna ba tare da ba shi"
            " takarda ba.",
        ),
        "IC-1.paid-for-release": (
            "An tsare ɗan uwana kwana uku, sai da iyalinmu suka biya wani jami'i kuɗi aka sake"
            " shi.",
        ),
        "HR-1.killing": (
            "Wasu mutane masu makamai sanye da kayan jami'ai sun harbe wani matashi makiyayi kusa"
            " da rijiya, ya mutu nan take.",
        ),
        "HR-1.torture": (
            "Maƙwabcinmu ya fito daga tsare da alamun duka a bayansa, ya ce an daɗe ana dukansa"
            " don ya yi magana.",
        ),
        "HR-1.disappeared": (
            "Sojoji sun tafi da ɗan'uwana daga kasuwa, kuma babu ofishin da ya yarda yana wurinsu.",
        ),
        "HR-2.held-no-reason": (
            "An tsare 'yan kasuwa biyar na unguwarmu makonni biyu ba tare da an kai su gaban"
            " alƙali ba.",
        ),
        "OA-3.reprisal": (
            "Bayan mun fitar da rahoto kan kame-kamen, jami'ai sun zo ofishin ƙungiyarmu suka yi"
            " wa shugabarmu barazana.",
        ),
        "CH-1.hit-in-operation": (
            "A lokacin farmakin, bam ya faɗa kan wani gida a bayan ƙauye, yara biyu sun ji rauni.",
        ),
        "IN-2.targeted-searches": (
            "A wurin bincike, mutanen al'ummarmu kaɗai ake saukarwa ana bincika, sauran suna"
            " wucewa.",
        ),
        "AD-1.turned-up-elsewhere": (
            "An ga sababbin bindigogi masu alamomin rundunar ana sayar da su a kasuwar dabbobi.",
        ),
        "OA-1.complaint-ignored": (
            "Mun kai ƙara kan dukan da aka yi watanni uku da suka wuce, har yanzu ba a kira mu"
            " ba.",
        ),
        "PM-1.bought-promotion": (
            "An ƙara wa wani jami'i matsayi a gaban manyansa, kowa ya san ya biya kuɗi.",
        ),
    },
    "fil": {
        "IC-1.checkpoint-money": (
            "Sa checkpoint sa labasan ng bayan, hiningan ng mga pulis ng tig-limandaang piso ang"
            " bawat tricycle bago kami pinadaan.",
            "Kinuha ng mga sundalo sa checkpoint ang dalawang sako ng bigas mula sa jeep ng tiyuhin"
            " ko at walang ibinigay na resibo.",
        ),
        "IC-1.paid-for-release": (
            "Tatlong araw na ikinulong ang pinsan ko at pinalaya lang nang magbayad ang pamilya sa"
            " isang opisyal sa presinto.",
        ),
        "HR-1.killing": (
            "Binaril ng mga armadong lalaking naka-uniporme ang isang binata sa harap ng bahay nila"
            " noong gabi; namatay siya bago umabot sa ospital.",
        ),
        "HR-1.torture": (
            "Nang palayain ang kapitbahay namin, may mga pasa siya sa likod at sinabing binugbog"
            " siya para umamin.",
        ),
        "HR-1.disappeared": (
            "Kinuha ng mga lalaking nakasakay sa van na walang plaka ang kapatid ko at walang"
            " kampong umaamin na hawak nila siya.",
        ),
        "HR-2.held-no-reason": (
            "Apat na magsasaka ang ikinulong nang dalawang linggo nang hindi iniharap sa hukom at"
            " hindi sinabi kung bakit.",
        ),
        "OA-3.reprisal": (
            "Matapos naming ilabas ang ulat tungkol sa mga pag-aresto, pinuntahan ng mga ahente ang"
            " opisina namin at pinagbantaan ang aming koordineytor.",
        ),
        "CH-1.hit-in-operation": (
            "Sa gitna ng operasyon, tinamaan ng mortar ang isang bahay sa gilid ng barangay;"
            " nasugatan ang isang ina at dalawang bata.",
        ),
        "IN-2.targeted-searches": (
            "Sa checkpoint, ang mga Moro lang ang pinabababa at kinakapkapan, ang iba ay"
            " pinadadaan.",
        ),
        "AD-1.turned-up-elsewhere": (
            "May mga bagong riple na may parehong marka ng batalyon na ibinebenta sa palengke.",
        ),
        "OA-1.complaint-ignored": (
            "Nagsampa kami ng reklamo tungkol sa pambubugbog tatlong buwan na ang nakalipas pero"
            " wala pang tumatawag sa amin.",
        ),
        "PM-1.bought-promotion": (
            "Na-promote ang isang opisyal kahit mas matagal na sa serbisyo ang iba; alam ng lahat"
            " na nagbayad siya.",
        ),
    },
    "en": {
        "IC-1.checkpoint-money": (
            "At the checkpoint outside the town hall, police officers took two hundred pesos from"
            " every jeepney driver and kept a list of those who refused.",
            "Soldiers at the highway checkpoint took a crate of fish from my neighbour's truck and"
            " gave no receipt.",
        ),
        "IC-1.paid-for-release": (
            "My cousin was held for three days and released only after the family paid an officer"
            " at the station.",
        ),
        "HR-1.killing": (
            "Armed men in uniform shot a young farmer outside his house at night; he died before"
            " reaching the hospital.",
        ),
        "HR-1.torture": (
            "Our neighbour came out of detention with bruises on his back and says he was beaten"
            " until he signed a statement.",
        ),
        "HR-1.disappeared": (
            "Men in a van without plates took my brother from the market, and no camp admits"
            " holding him.",
        ),
        "HR-2.held-no-reason": (
            "Four fishermen were held for two weeks without seeing a judge or being told why.",
        ),
        "OA-3.reprisal": (
            "After we published our report on the arrests, agents came to our office and"
            " threatened our coordinator.",
        ),
        "CH-1.hit-in-operation": (
            "During the operation a mortar round hit a house at the edge of the village; a mother"
            " and two children were wounded.",
        ),
        "IN-2.targeted-searches": (
            "At the checkpoint only Muslim passengers are made to get off and are searched; the"
            " others go through.",
        ),
        "AD-1.turned-up-elsewhere": (
            "New rifles with the same markings as the battalion's were on sale at the market.",
        ),
        "OA-1.complaint-ignored": (
            "We filed a complaint about the beating three months ago and nobody has contacted us"
            " since.",
        ),
        "PM-1.bought-promotion": (
            "An officer was promoted over more senior colleagues; everyone knows he paid.",
        ),
    },
}

# A closing sentence some reporters add.
CLOSINGS: Final[dict[str, tuple[str, ...]]] = {
    "ar": (
        "هناك شهود يمكنهم التحدث إذا كان ذلك آمناً.",
        "لا أريد أن يُذكر اسمي.",
        "حدث هذا بعد صلاة المغرب.",
    ),
    "ckb": (
        "چەند شاهیدێک هەن ئەگەر مەترسی نەبێت قسە دەکەن.",
        "تکایە ناوم مەهێنن.",
        "ئەمە نزیکەی کاتژمێر نۆی شەو ڕوویدا.",
    ),
    "so": (
        "Waxaa jira markhaatiyaal diyaar u ah inay hadlaan haddii ay ammaan tahay.",
        "Fadlan magacayga ha sheegina.",
        "Tani waxay dhacday galabnimadii.",
    ),
    "fr": (
        "Des témoins peuvent parler si c'est sans danger pour eux.",
        "Je ne veux pas que mon nom apparaisse.",
        "Cela s'est passé un jour de marché, vers midi.",
    ),
    "ha": (
        "Akwai shaidu da za su iya magana idan babu haɗari.",
        "Don Allah kada a ambaci sunana.",
        "Wannan ya faru ne ranar kasuwa da rana.",
    ),
    "fil": (
        "May mga saksi na handang magsalita kung ligtas.",
        "Huwag sanang banggitin ang pangalan ko.",
        "Nangyari ito bandang alas-siyete ng gabi.",
    ),
    "en": (
        "There are witnesses who can speak if it is safe for them.",
        "Please do not use my name.",
        "This happened on a market day, around noon.",
    ),
}

QUESTIONS: Final[dict[str, tuple[str, ...]]] = {
    "ar": (
        "شكراً لك. هل تتذكر لون السيارات أو أي علامة على الزي؟",
        "هل يمكنك أن تخبرنا في أي أسبوع حدث ذلك تقريباً؟",
    ),
    "ckb": (
        "سوپاس. ئایا ڕەنگی ئۆتۆمبێلەکان یان نیشانەیەکی جلەکانت لەبیرە؟",
        "دەتوانیت پێمان بڵێیت نزیکەی لە کام هەفتەدا ڕوویدا؟",
    ),
    "so": (
        "Mahadsanid. Ma xasuusataa midabka gaadiidka ama calaamad ku taal dharka?",
        "Ma noo sheegi kartaa qiyaastii toddobaadkii ay dhacday?",
    ),
    "fr": (
        "Merci. Vous souvenez-vous de la couleur des véhicules ou d'un insigne sur les tenues ?",
        "Pouvez-vous nous dire à peu près quelle semaine cela s'est passé ?",
    ),
    "ha": (
        "Mun gode. Kana tuna launin motocin ko wata alama a kan kayansu?",
        "Za ka iya gaya mana kusan wane mako ne abin ya faru?",
    ),
    "fil": (
        "Salamat. Naaalala mo ba ang kulay ng sasakyan o anumang tsapa sa uniporme?",
        "Masasabi mo ba kung aling linggo ito nangyari?",
    ),
    "en": (
        "Thank you. Do you remember the colour of the vehicles or any badge on the uniforms?",
        "Can you tell us roughly which week this happened?",
    ),
}

ANSWERS: Final[dict[str, tuple[str, ...]]] = {
    "ar": ("كانت السيارات رمادية وعلى الكتف شارة فيها نسر.", "في الأسبوع الأول من الشهر."),
    "ckb": ("ئۆتۆمبێلەکان خۆڵەمێشی بوون و لەسەر شانیان نیشانەیەکی سەوز هەبوو.",
            "لە هەفتەی یەکەمی مانگەکەدا."),
    "so": ("Gaadiidku waxay ahaayeen cawl, garabkana waxaa ku yaal calaamad buluug ah.",
           "Toddobaadkii ugu horreeyay ee bisha."),
    "fr": ("Les véhicules étaient beiges, avec un insigne vert sur l'épaule.",
           "La première semaine du mois."),
    "ha": ("Motocin launin toka ne, akwai alama kore a kafaɗarsu.", "Makon farko na watan."),
    "fil": ("Kulay abo ang mga sasakyan at may berdeng tsapa sa balikat.",
            "Unang linggo ng buwan."),
    "en": ("The vehicles were grey, with a green badge on the shoulder.",
           "The first week of the month."),
}

# What verifiers note for each other (English: the desks' working language in the demo).
NOTES: Final[tuple[str, ...]] = (
    "Matches what the partner's field monitor heard in the same week.",
    "Called the clinic: two admissions with gunshot wounds that night.",
    "Same vehicle description as the report from the month before; check the unit.",
    "Reporter sounds credible; the date is a guess.",
)
