"""Teaching: the model in words (:mod:`.lexicon`, :mod:`.explain`), the interactive explorer
(:mod:`.explore`) and the one-file HTML report (:mod:`.report`)."""
