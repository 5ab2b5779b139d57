BBBBBBB BBBBBBBBBBBBBBB BBBB
BBBBB BBBBB gettext(u'Commission an evaluation') BBBBBBBB
BBBBB BBBBBBB
XXXXX XXXXXXBBB BBBBBBBBBBBBBBBBBBBBBBBXXX  gettext(u'Contracts to evaluate') XXXXXXXX
XXXX gettext(u'Commission a third-party performance evaluation') XXXXX
XXX XXXXXXXXXXXXXX
  XXXX gettext(u'Contract') XXXXXXXXX X XXXXX
  XXXX gettext(u'Evaluated organisation') XXXXXXXXXXXXXX
  XXXX gettext(u'Term') XXXXXXXXX X XXXXX
  XXXX gettext(u'Contract value (yuan)') XXXXXXXXXXXXXX
XXXXX
XX XXXXXXXXXXXXX gettext(u'The evaluator organisation must be independent of the evaluated organisation; the platform refuses one related to it (same credit code, same legal representative, a recorded relation or shared staff). The evaluation keeps its own copy of the indicator system. A final evaluation is usually made about a month before the contract ends.') XXXX
XXXXX XXXXXXXXXXXXX XXXXXXXXXXX
  BBBBBBBBBB
  BBBBBBB BBBBBBBBBBBBBBBBBBBBBBBBBBB
  XXXXXXX XXXXXXXXXXXXXX gettext(u'Commission') XXXXXXXXX
XXXXXXX
BBBBBBBB
