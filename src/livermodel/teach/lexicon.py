"""The model in words, as data: every equation's terms, every mechanism, and lookups over them
(used by ``livermodel explain``, the report and the docs).
"""

from __future__ import annotations

from livermodel.errors import LivermodelError, did_you_mean
from livermodel.teach.lexicon_drugs import (
    DRUG_DEFINITIONS,
    DRUG_EQUATIONS,
    DRUG_MECHANISMS,
    DRUG_OTHER,
    DRUG_RAISING,
)
from livermodel.teach.lexicon_types import TS as _TS
from livermodel.teach.lexicon_types import Equation, Mechanism, Term

WIDTH = 96


#: Auxiliary quantities used by the state equations, in order of use.
# Tables: one entry per row reads better than one argument per line.
# fmt: off
DEFINITIONS: tuple[Equation, ...] = (
    Equation("signal", "signal", (
        Term("msc_liver_potency * msc_liver", "paracrine signal of MSCs resident in the liver",
             ("msc_liver_potency",), "assumption"),
        Term("msc_lung_potency * msc_lung", "systemic secretion of MSCs trapped in the lungs "
             "(e.g. TSG-6)", ("msc_lung_potency",), "assumption"),
        Term("ev_potency * ev_liver", "extracellular vesicles acting in the liver",
             ("ev_potency",), "Tan et al. 2014 (MSC exosomes); value assumption"),
        Term("* (body_weight / 0.25 kg)^therapy_exposure_exponent",
             "a dose per kg gives more exposure per kg in a larger body (clearance grows as "
             "weight^0.75): x4.1 in a 70 kg human against a rat", ("body_weight",
             "therapy_exposure_exponent"), "allometric clearance (Boxenbaum 1982); assumption"),
    ), "MSCs and EVs act through one paracrine signal."),
    Equation("occupancy", "occupancy", (
        Term("signal / (signal + therapy_ec50)", "saturating (bounded) effect of the signal",
             ("therapy_ec50",), "assumption"),
    ), "Reported as the trajectory variable therapy_effect."),
    Equation("e_ai", "e_ai", (
        Term("anti_inflammatory_on * anti_inflammatory_max * occupancy",
             "fractional cut of inflammation production", ("anti_inflammatory_on",
                                                           "anti_inflammatory_max"),
             "Parekkadan et al. 2007; van Poll et al. 2008"),
    )),
    Equation("e_ad", "e_ad", (
        Term("anti_death_on * anti_death_max * occupancy", "fractional cut of hepatocyte death",
             ("anti_death_on", "anti_death_max"), "van Poll et al. 2008; Tan et al. 2014"),
    )),
    Equation("e_pr", "e_pr", (
        Term("pro_regenerative_on * pro_regenerative_max * occupancy",
             "growth signal added by trophic factors", ("pro_regenerative_on",
                                                        "pro_regenerative_max"),
             "van Poll et al. 2008"),
    )),
    Equation("injury_rate", "injury", (
        Term("[toxin_injury_rate * T^toxin_hill / (T^toxin_hill + toxin_ec50^toxin_hill)",
             "toxin injury with a glutathione-depletion threshold at toxin_ec50" + _TS,
             ("toxin_injury_rate", "toxin_hill", "toxin_ec50"), "Remien et al. 2012 (structure)"),
        Term("+ inflammation_injury_rate * X^2 / (X^2 + inflammation_injury_half^2)",
             "inflammation injures only when substantial, so a normal liver is stable",
             ("inflammation_injury_rate", "inflammation_injury_half"), "assumption"),
        Term("* (1 + galactosamine_sensitisation * arrest)",
             "transcriptional arrest by D-galactosamine sensitises cells to inflammation (TNF)",
             ("galactosamine_sensitisation",), "Galanos et al. 1979"),
        Term("+ injury_gal + chronic(t)] * F", "D-galactosamine and a chronic insult from the "
             "schedule (CCl4-, alcohol-like); all move functional cells into the injured pool",
             (), "schedule input"),
    )),
    Equation("initial_mass", "F(0)", (
        Term("initial_mass", "functional mass before any insult, kept apart from the set point",
             ("initial_mass",), "normalisation"),
    ), "Hypertrophy and compensation start at 1 (normal)."),
    Equation("liver_function", "Phi", (
        Term("compensation * hypertrophy * F", "liver function: enlarged cells and a remnant "
             "that has adapted carry more work each; the hepatostat and the failure criterion "
             "read it"),
    ), "Reported as the trajectory variable liver_function; liver_volume = hypertrophy * (F + I) "
       "is what volumetry measures."),
    Equation("demand", "u", (
        Term("max(0, g - priming_threshold)", "the demand drive: the growth signal above the "
             "threshold below which no cell is primed", ("priming_threshold",),
             "Furchtgott et al. 2009 (switch-like priming); Verma et al. 2019"),
    )),
    Equation("failure_level", "Phi_fail", (
        Term("root of death_sensitivity * overload_death_rate * sigma_od(Phi) = "
             "regeneration_capacity * division_rate * priming_rate/(priming_rate + "
             "priming_decay_rate) * (1 - Phi/set_point)",
             "the liver function below which overload death outruns the fastest division of a "
             "fully primed remnant (rates divided by time_scale; the root does not depend on it)",
             ("death_sensitivity", "overload_death_rate", "regeneration_capacity", "division_rate",
              "set_point", "priming_rate", "priming_decay_rate"),
             "Furchtgott et al. 2009; Verma et al. 2019 (failure basin)"),
    ), "The hazard is half-maximal at Phi_fail; figures draw the failure line there."),
    Equation("overload_switch", "sigma_od", (
        Term("1/2 [1 + tanh((critical_mass * metabolic_load - Phi) / overload_width)]",
             "0 while liver function per load is above the critical level, 1 below it",
             ("critical_mass", "metabolic_load", "overload_width"),
             "Verma et al. 2019; Barnhart et al. (Cook model)"),
    )),
    Equation("death_of_injured", "die_inj", (
        Term("death_sensitivity * death_rate * (1 + inflammation_death_gain * X) * (1 - e_ad) * I",
             "injured cells die, faster when inflamed, slower under therapy" + _TS,
             ("death_sensitivity", "death_rate", "inflammation_death_gain"),
             "death rate chosen for the ALT peak about 24 h after mouse APAP (Bhushan et al. 2014)"),
    )),
    Equation("overload_death", "overload", (
        Term("death_sensitivity * overload_death_rate * sigma_od * (1 - e_ad)",
             "per-cell death rate when too few cells carry the metabolic load" + _TS,
             ("death_sensitivity", "overload_death_rate"), "Verma et al. 2019 (k_cd = 0.1/h)"),
    )),
    Equation("proliferation", "prolif", (
        Term("regeneration_capacity * division_rate * p * F * max(0, 1 - compensation * "
             "hypertrophy * (F + I)/set_point)",
             "primed cells divide in proportion to the deficit of functional size: the "
             "hepatostat" + _TS,
             ("regeneration_capacity", "division_rate", "set_point"),
             "Michalopoulos 2007; Furchtgott et al. 2009"),
    )),
)

#: One equation per state variable (``name`` is the state's name in :data:`model.STATES`).
EQUATIONS: tuple[Equation, ...] = (
    Equation("functional_mass", "dF/dt", (
        Term("-injury", "functional cells become injured (toxin, inflammation, chronic insult)"),
        Term("+ repair_rate * (1 - arrest) * I",
             "injured cells recover their function, unless D-galactosamine has stopped "
             "transcription" + _TS, ("repair_rate",)),
        Term("+ prolif", "division of primed cells (hepatostat)"),
        Term("- overload * F", "overload death below the critical level"),
        Term("- necrosis", "necrosis of stressed cells after acetaminophen"),
        Term("+ engraftment_rate * msc_liver * msc_mass_per_million",
             "liver MSCs becoming hepatocytes (off by default)",
             ("engraftment_rate", "msc_mass_per_million"), "Eggenhofer et al. 2012 (negligible)"),
    )),
    Equation("injured_mass", "dI/dt", (
        Term("injury", "cells injured by toxin, inflammation or a chronic insult"),
        Term("- repair_rate * (1 - arrest) * I", "repair" + _TS, ("repair_rate",)),
        Term("- die_inj", "death of injured cells"),
        Term("- overload * I", "overload death also takes injured cells"),
    )),
    Equation("primed_fraction", "dp/dt", (
        Term("priming_rate * [u/(u + priming_half) + inflammation_priming * X]",
             "a saturating demand drive and cytokines move quiescent cells out of G0" + _TS,
             ("priming_rate", "priming_half", "inflammation_priming"),
             "Furchtgott et al. 2009 (Q -> P -> R)"),
        Term("* (1 - overload_priming_block * sigma_od) * (1 - p)",
             "overloaded cells are not primed, which delays division after extreme resections",
             ("overload_priming_block",), "Zieve et al. 1985 (peak delayed after 80-90 % PHx)"),
        Term("- priming_decay_rate * p", "primed cells return to quiescence" + _TS,
             ("priming_decay_rate",), "calibrated to the rat 70 % hepatectomy (Barnhart et al.)"),
    )),
    Equation("growth_signal", "dg/dt", (
        Term("growth_signal_rate * [metabolic_load * max(0, 1 - Phi/set_point)",
             "HGF-like signal follows the functional deficit within hours, stronger under a "
             "larger metabolic load", ("growth_signal_rate", "metabolic_load", "set_point"),
             "Lindroos et al. 1991; Cook et al. 2015 (signal production scales with M)"),
        Term("+ e_pr - g]", "therapy adds trophic signal; the signal relaxes to its target"),
    )),
    Equation("inflammation", "dX/dt", (
        Term("inflammation_production * (die_inj + overload * (F + I) + necrosis) * (1 - e_ai)",
             "dying cells release danger signals; therapy damps production",
             ("inflammation_production",), "assumption (Kupffer-cell activation)"),
        Term("- inflammation_decay_rate * (1 + anti_inflammatory_resolution * occupancy) * X",
             "resolution (cytokine half-lives of hours), sped up by therapy (reprogrammed "
             "macrophages)", ("inflammation_decay_rate", "anti_inflammatory_resolution")),
        Term("+ msc_embolism_inflammation * max(0, msc_lung - msc_lung_capacity)",
             "very large IV doses obstruct the lung and inflame (off by default: weak evidence)",
             ("msc_embolism_inflammation", "msc_lung_capacity"), "assumption"),
    )),
    Equation("toxin", "dT/dt", (
        Term("-toxin_clearance_rate * [(1 - toxin_liver_dependence) + toxin_liver_dependence * "
             "min(Phi, 1.5)]",
             "first-order clearance, slower when the liver has lost function",
             ("toxin_clearance_rate", "toxin_liver_dependence"), "James et al. 2009 (human)"),
        Term("* (1 + antidote_clearance_boost * antidote(t)) * T",
             "an N-acetylcysteine-like antidote speeds clearance while it acts",
             ("antidote_clearance_boost",), "assumption"),
    )),
    Equation("alt_u_per_l", "dALT/dt", (
        Term("alt_release * death_flux", "dying hepatocytes release ALT", ("alt_release",)),
        Term("- ln2/alt_half_life * (ALT - alt_baseline)", "first-order clearance to baseline",
             ("alt_half_life", "alt_baseline"), "Sherman & Goessling (34.6 h)"),
    ), "death_flux = die_inj + overload * (F + I) + necrosis."),
    Equation("ast_u_per_l", "dAST/dt", (
        Term("ast_release * death_flux", "dying hepatocytes release AST", ("ast_release",)),
        Term("- ln2/ast_half_life * (AST - ast_baseline)", "first-order clearance to baseline",
             ("ast_half_life", "ast_baseline"), "Sherman & Goessling (15.8 h)"),
    )),
    Equation("msc_lung", "d msc_lung/dt", (
        Term("-ln2/msc_lung_half_life * msc_lung", "IV MSCs trapped in the lungs die within a day",
             ("msc_lung_half_life",), "Eggenhofer et al. 2012"),
    ), "An IV dose adds dose * msc_lung_fraction_iv here (route fractions: see the MSC "
       "mechanism)."),
    Equation("msc_liver", "d msc_liver/dt", (
        Term("-(ln2/msc_liver_half_life + engraftment_rate) * msc_liver",
             "liver MSCs die or (rarely) engraft", ("msc_liver_half_life", "engraftment_rate")),
    ), "A dose adds dose * msc_liver_fraction_<route> here."),
    Equation("ev_plasma", "d ev_plasma/dt", (
        Term("-ln2/ev_plasma_half_life * ev_plasma", "IV vesicles leave plasma within minutes",
             ("ev_plasma_half_life",), "Takahashi et al. 2013"),
    )),
    Equation("ev_liver", "d ev_liver/dt", (
        Term("ev_liver_fraction * ln2/ev_plasma_half_life * ev_plasma",
             "part of the cleared vesicles reach the liver", ("ev_liver_fraction",
                                                                 "ev_plasma_half_life"),
             "Lai et al. 2014"),
        Term("+ msc_ev_release * (msc_lung + msc_liver)", "MSCs release vesicles",
             ("msc_ev_release",)),
        Term("- ln2/ev_liver_half_life * ev_liver", "the tissue effect fades over hours",
             ("ev_liver_half_life",)),
    )),
    Equation("cumulative_hazard", "dH/dt", (
        Term("hazard_max * 1/2 [1 + tanh((Phi_fail - Phi) / hazard_width)]",
             "death hazard of the animal or patient rises as liver function falls below the "
             "failure level (not scaled: systemic death is as fast in every species)",
             ("hazard_max", "hazard_width")),
        Term("+ hazard_systemic * Z",
             "systemic injury adds a hazard of its own (multi-organ failure, severe infection), "
             "whatever the liver does", ("hazard_systemic",),
             "calibrated to the control arm of Lin et al. 2017 (37.0 % died of multi-organ "
             "failure or infection)"),
    ), "survival_probability = exp(-H); the run has failed once it falls below one half."),
    Equation("hypertrophy", "dh/dt", (
        Term("hypertrophy_rate * (1 + hypertrophy_gain * u - h)",
             "hepatocytes enlarge with the demand drive before they divide, and shrink back as "
             "the deficit closes" + _TS, ("hypertrophy_rate", "hypertrophy_gain"),
             "Miyaoka et al. 2012; Marongiu et al. 2017 (+26 % cell area at 24 h)"),
    )),
    Equation("compensation", "dq/dt", (
        Term("compensation_rate * u * (compensation_max - q)",
             "sustained demand raises the function per unit volume (a slow tissue adaptation, "
             "not scaled by time_scale)", ("compensation_rate", "compensation_max"),
             "calibrated to human donors (Aoki et al. 2011)"),
        Term("- ln2/compensation_half_life * (q - 1)", "the adaptation relaxes over years",
             ("compensation_half_life",), "assumption"),
    )),
    Equation("systemic_injury", "dZ/dt", (
        Term("systemic_injury_rate * X^4/(X^4 + systemic_injury_half^4) * (1 - Z)",
             "a systemic inflammation (above systemic_injury_half) injures other organs and "
             "the immune defence; local inflammation (a resection, a survivable rodent injury) "
             "hardly does", ("systemic_injury_rate", "systemic_injury_half"),
             "Claria et al. 2016 (systemic inflammation drives organ failure in ACLF)"),
        Term("- ln2/systemic_injury_half_life * Z",
             "the injury heals over weeks once the inflammation is gone, so the risk of death "
             "outlasts the flare", ("systemic_injury_half_life",),
             "Zhou et al. 2020 (IL-6 at week 4 predicts death in weeks 5-8)"),
    )),
    Equation("systemic_hazard", "dH_s/dt", (
        Term("hazard_systemic * Z", "the part of the hazard that comes from systemic injury "
             "(counted in H as well; failure_cause compares the two)", ("hazard_systemic",)),
    )),
) + DRUG_EQUATIONS

#: Parameters that act outside the right-hand side: the species time scale (divides the marked
#: rates) and the route fractions (used when a dose is given).  Each with where it acts.
OTHER_PARAMETERS: dict[str, str] = {
    "time_scale": "divides every rate marked 'rate divided by time_scale'",
    "msc_lung_fraction_iv": "an IV MSC dose puts dose * msc_lung_fraction_iv into msc_lung",
    "msc_liver_fraction_iv": "an IV MSC dose puts dose * msc_liver_fraction_iv into msc_liver",
    "msc_liver_fraction_intraportal": "an intraportal MSC dose puts this fraction into msc_liver",
    "msc_liver_fraction_intrasplenic": "an intrasplenic MSC dose puts this fraction into msc_liver",
    "msc_liver_fraction_intraperitoneal": "an intraperitoneal MSC dose puts this fraction into "
                                          "msc_liver",
    **DRUG_OTHER,
}

#: What raising each parameter does, in one sentence (every parameter has one; tests check).
RAISING: dict[str, str] = {
    "time_scale": "slows every cell-kinetic process: regrowth, injury and death all take longer "
                  "(human regrowth takes months).",
    "metabolic_load": "raises the failure threshold (critical_mass x metabolic_load) and "
                      "strengthens the growth signal: a larger remnant is needed to survive, as "
                      "in steatosis or cirrhosis.",
    "set_point": "makes the liver regrow to a larger final function; the hepatostat stops "
                 "division there.",
    "growth_signal_rate": "makes the growth signal follow the mass deficit faster, shortening the "
                          "lag before division.",
    "priming_rate": "primes hepatocytes sooner: earlier DNA-synthesis peak and faster regrowth.",
    "priming_decay_rate": "sends primed cells back to quiescence sooner: fewer divide, regrowth "
                          "is slower and stops earlier.",
    "division_rate": "speeds regrowth after a loss and lowers the failure threshold a little "
                     "(division outruns overload death).",
    "regeneration_capacity": "scales division: below 1 regrowth stalls ('suppressed' mode, "
                             "alcohol-like); above 1 it is faster.",
    "inflammation_priming": "lets cytokines prime hepatocytes: inflammation speeds the start of "
                            "regeneration.",
    "initial_mass": "starts the liver larger (or, below 1, smaller, as a graft or an atrophic "
                    "liver) before any insult; the hepatostat still regrows it to the set point.",
    "priming_half": "makes priming saturate later: a larger deficit is needed for the full "
                    "response, so small resections prime fewer cells.",
    "priming_threshold": "raises the signal needed before any cell is primed: regrowth stops "
                         "further below the set point ('suppressed' mode, as after chronic "
                         "ethanol in male rats).",
    "overload_priming_block": "keeps overloaded cells out of the cycle: division starts later "
                              "after extreme resections.",
    "hypertrophy_rate": "makes hepatocytes enlarge sooner after a loss: the early volume rises "
                        "faster, before any division.",
    "hypertrophy_gain": "makes hepatocytes enlarge more per unit demand: a larger early volume "
                        "gain and more function from the same cells.",
    "compensation_rate": "lets a remnant raise its function per unit volume faster: function is "
                         "restored with less volume (human donors stay below their pre-operative "
                         "volume).",
    "compensation_max": "allows more function per unit volume: the volume can settle further "
                        "below normal.",
    "compensation_half_life": "keeps the functional adaptation for longer: the volume converges "
                              "more slowly toward normal.",
    "death_rate": "makes injured cells die faster: sharper, earlier ALT peak and a deeper nadir.",
    "repair_rate": "lets injured cells recover faster: shallower nadir, fewer deaths.",
    "death_sensitivity": "makes every death faster (injured and overload): the failure threshold "
                         "rises, as in an injured, steatotic or cirrhotic liver.",
    "critical_mass": "raises the failure threshold: a larger remnant or a smaller dose tips the "
                     "liver into failure.",
    "overload_width": "softens the overload switch: the boundary between recovery and failure "
                      "becomes gradual instead of sharp.",
    "overload_death_rate": "makes failure faster once below the critical level, and raises the "
                           "threshold (death outruns division sooner).",
    "inflammation_production": "strengthens the death -> inflammation -> injury loop: large "
                               "insults feed on themselves and the threshold falls.",
    "inflammation_decay_rate": "resolves inflammation faster: weakens the vicious circle, so "
                               "larger insults are survived.",
    "inflammation_injury_rate": "makes inflammation injure more: strengthens the vicious circle.",
    "inflammation_injury_half": "needs more inflammation before it injures: the liver tolerates "
                                "bigger inflammatory hits.",
    "inflammation_death_gain": "makes injured cells die faster when inflamed: more death, more "
                               "ALT.",
    "toxin_clearance_rate": "clears the toxin faster: less injury from the same dose.",
    "toxin_liver_dependence": "makes clearance depend more on remaining function: an injured liver "
                              "clears the toxin more slowly (a second vicious circle).",
    "toxin_ec50": "raises the toxic threshold: a bigger dose is needed for the same injury (rats "
                  "vs mice).",
    "toxin_hill": "makes the dose-injury curve steeper: below the threshold almost nothing, above "
                  "it almost everything.",
    "toxin_injury_rate": "makes a toxic dose injure faster: deeper nadir, higher ALT.",
    "antidote_clearance_boost": "makes the antidote more effective: the toxin is cleared faster "
                                "once it starts.",
    "alt_half_life": "keeps ALT high for longer after an injury (no effect on the liver itself).",
    "ast_half_life": "keeps AST high for longer after an injury (no effect on the liver itself).",
    "alt_baseline": "raises the resting ALT level (no effect on the liver itself).",
    "ast_baseline": "raises the resting AST level (no effect on the liver itself).",
    "alt_release": "scales every ALT value above baseline (no effect on the liver itself).",
    "ast_release": "scales every AST value above baseline (no effect on the liver itself).",
    "hazard_max": "makes the animal or patient die sooner once liver function is below the "
                  "critical level (survival falls).",
    "hazard_width": "makes the death hazard rise gradually: some risk already above the "
                    "critical level.",
    "systemic_injury_rate": "lets a systemic inflammation injure other organs faster (more "
                            "deaths of multi-organ failure after a large flare).",
    "systemic_injury_half": "raises the inflammation a flare needs before it injures other "
                            "organs (fewer systemic deaths).",
    "systemic_injury_half_life": "makes the injury of other organs last longer after a flare, "
                                 "so deaths come later and more often.",
    "hazard_systemic": "makes systemic injury more lethal (0 switches the systemic route off).",
    "msc_lung_fraction_iv": "traps more IV MSCs in the lungs, where they act only through "
                            "secreted factors and die within a day.",
    "msc_liver_fraction_iv": "delivers more IV MSCs to the liver, where they act most strongly.",
    "msc_liver_fraction_intraportal": "delivers more of an intraportal dose to the liver.",
    "msc_liver_fraction_intrasplenic": "delivers more of an intrasplenic dose to the liver.",
    "msc_liver_fraction_intraperitoneal": "delivers more of an intraperitoneal dose to the liver.",
    "msc_lung_half_life": "keeps lung-trapped MSCs secreting for longer: a longer therapy effect.",
    "msc_liver_half_life": "keeps liver MSCs alive for longer: a longer therapy effect.",
    "msc_lung_potency": "makes each lung-trapped MSC contribute more signal (IV doses act more).",
    "msc_liver_potency": "makes each liver MSC contribute more signal (local routes act more).",
    "msc_ev_release": "makes MSCs release more vesicles: their effect outlasts the cells a little.",
    "engraftment_rate": "turns liver MSCs into hepatocytes (off by default; negligible in the "
                        "literature).",
    "msc_mass_per_million": "makes each engrafted MSC count for more liver mass (only with "
                            "engraftment on).",
    "ev_plasma_half_life": "keeps IV vesicles in plasma longer before they reach the liver.",
    "ev_liver_fraction": "delivers more of an IV EV dose to the liver (less to the spleen).",
    "ev_liver_half_life": "makes one EV dose act for longer: fewer repeat doses are needed.",
    "ev_potency": "makes each microgram of EV protein contribute more signal.",
    "therapy_ec50": "needs more signal for the same effect: every therapy dose acts less.",
    "anti_inflammatory_max": "lets therapy damp inflammation more.",
    "msc_embolism_inflammation": "makes very large IV MSC doses inflame (a non-monotone dose "
                                 "response).",
    "msc_lung_capacity": "lets more lung-trapped MSCs accumulate before they do harm.",
    "anti_inflammatory_resolution": "lets therapy resolve an inflammation already under way "
                                    "faster (a flare, endotoxin).",
    "body_weight": "gives a dose per kg of MSCs or EVs more exposure (larger bodies clear "
                   "secreted factors more slowly per kg).",
    "therapy_exposure_exponent": "widens the gap in exposure per kg between large and small "
                                 "bodies (0: the same in every species).",
    "anti_death_max": "lets therapy protect hepatocytes from death more (the strongest rescue "
                      "channel in the fulminant scenarios).",
    "pro_regenerative_max": "lets therapy add more growth signal: earlier priming and division.",
    "anti_inflammatory_on": "switches the anti-inflammatory channel on (1) or off (0).",
    "anti_death_on": "switches the anti-death channel on (1) or off (0).",
    "pro_regenerative_on": "switches the pro-regenerative channel on (1) or off (0).",
    **DRUG_RAISING,
}


MECHANISMS: dict[str, Mechanism] = {m.name: m for m in (
    Mechanism(
        "hepatostat", "The hepatostat: why the liver stops growing",
        "Division is proportional to the deficit of functional size (compensation x hypertrophy "
        "x total mass) from the set point and stops when the liver again does the work the body "
        "needs, so regrowth cannot overshoot. A hepatectomy creates a deficit; the growth signal "
        "rises within hours, primes hepatocytes, and division follows after a lag (the "
        "DNA-synthesis peak about 24 h after a rat 70 % hepatectomy). As function returns, the "
        "deficit, the signal and division all fall to zero.",
        ("proliferation", "functional_mass", "growth_signal", "primed_fraction"),
        ("set_point", "initial_mass", "division_rate", "regeneration_capacity",
         "growth_signal_rate", "priming_rate", "priming_decay_rate"),
        "Michalopoulos 2007; Furchtgott et al. 2009; Barnhart et al. (rat volume data)",
        "livermodel run rat-phx-70 --set parameters.set_point=1.1"),
    Mechanism(
        "priming", "Priming: the lag before division",
        "Quiescent hepatocytes must leave G0 before they divide. The growth signal (HGF-like) and "
        "cytokines (inflammation) prime them; primed cells return to quiescence at a fixed rate. "
        "The two first-order stages in series (signal, then priming) make the sigmoid regrowth "
        "after a lag.",
        ("primed_fraction", "growth_signal", "demand"),
        ("priming_rate", "priming_decay_rate", "inflammation_priming", "growth_signal_rate",
         "priming_half", "priming_threshold", "overload_priming_block"),
        "Furchtgott et al. 2009 (Q -> P -> R); Cook et al. 2015; Lindroos et al. 1991",
        "livermodel explore rat-phx-70"),
    Mechanism(
        "hypertrophy", "Hypertrophy and compensation: volume is not function",
        "Right after a resection hepatocytes enlarge before any divides (the early rise of liver "
        "volume in the first hours), and shrink back as division restores their number. Over "
        "months a remnant also raises its function per unit volume, so the hepatostat is "
        "satisfied before the volume is back: human donors keep about 80 % of their pre-"
        "operative volume with normal function, while rats, whose deficit closes in days, barely "
        "adapt. The same demand drive (growth signal above the priming threshold) drives both.",
        ("hypertrophy", "compensation", "liver_function"),
        ("hypertrophy_rate", "hypertrophy_gain", "compensation_rate", "compensation_max",
         "compensation_half_life"),
        "Miyaoka et al. 2012; Marongiu et al. 2017; Aoki et al. 2011; Nadalin et al. 2004",
        "livermodel run human-donor-right-lobe"),
    Mechanism(
        "overload", "Overload death and the failure threshold",
        "When functional mass per unit metabolic load falls below critical_mass, each remaining "
        "cell carries too much load and cells die. Division tries to refill the deficit, but below "
        "the threshold death outruns it: recovery and failure become two basins, separated by a "
        "saddle (the tipping point). The threshold rises with metabolic_load and death_sensitivity.",
        ("overload_switch", "overload_death", "functional_mass", "cumulative_hazard"),
        ("critical_mass", "metabolic_load", "overload_width", "overload_death_rate",
         "death_sensitivity"),
        "Verma et al. 2018, 2019; Barnhart et al. (Cook model); Tuczek & Rabes",
        "livermodel phase rat-phx-90"),
    Mechanism(
        "inflammation", "The inflammation loop",
        "Dying hepatocytes release danger signals; inflammation injures more hepatocytes and makes "
        "injured ones die faster. Low-grade inflammation does not injure (the X^2 term), so a "
        "normal liver is stable, but a large insult can feed on itself: death -> inflammation -> "
        "injury -> death. Therapy's anti-inflammatory channel cuts this loop.",
        ("inflammation", "injury_rate", "death_of_injured"),
        ("inflammation_production", "inflammation_decay_rate", "inflammation_injury_rate",
         "inflammation_injury_half", "inflammation_death_gain"),
        "assumption; danger signals and Kupffer-cell activation",
        "livermodel phase fulminant"),
    Mechanism(
        "toxin", "The toxin: a threshold dose",
        "An acetaminophen-like load injures functional hepatocytes through a Hill term: below "
        "toxin_ec50 (glutathione depletion) little injury, above it much. Clearance depends on "
        "remaining function, so a badly injured liver clears the toxin more slowly; an "
        "N-acetylcysteine-like antidote multiplies clearance and works best early.",
        ("toxin", "injury_rate"),
        ("toxin_ec50", "toxin_hill", "toxin_injury_rate", "toxin_clearance_rate",
         "toxin_liver_dependence", "antidote_clearance_boost"),
        "Remien et al. 2012; McGill et al. 2012; Bhushan et al. 2014; James et al. 2009",
        "livermodel compare human-apap-nac-4h human-apap-nac-16h --control human-apap-overdose"),
    Mechanism(
        "enzymes", "Serum enzymes (ALT, AST)",
        "Dying hepatocytes release ALT and AST into serum, where they are cleared with their "
        "half-lives (ALT 34.6 h, AST 15.8 h). The enzymes report death; they do not feed back on "
        "the liver, so a high ALT means much death, not necessarily failure.",
        ("alt_u_per_l", "ast_u_per_l"),
        ("alt_release", "ast_release", "alt_half_life", "ast_half_life", "alt_baseline",
         "ast_baseline"),
        "Sherman & Goessling (91,086 patients)",
        "livermodel run mouse-apap-300 --set duration=3d"),
    Mechanism(
        "msc", "Mesenchymal stem cells (MSC)",
        "IV MSCs lodge mostly in the lungs and die there within a day; a few per cent reach the "
        "liver; intraportal and intrasplenic routes deliver more. They act paracrinely (secreted "
        "factors and vesicles), not by becoming hepatocytes, through three effect channels: "
        "anti-inflammatory, anti-death and pro-regenerative. Because the effect is transient, "
        "timing matters: early doses rescue, late ones only delay failure.",
        ("msc_lung", "msc_liver", "signal", "occupancy", "e_ai", "e_ad", "e_pr"),
        ("msc_lung_fraction_iv", "msc_liver_fraction_iv", "msc_liver_fraction_intraportal",
         "msc_lung_half_life", "msc_liver_half_life", "msc_lung_potency", "msc_liver_potency",
         "msc_ev_release", "engraftment_rate"),
        "Eggenhofer et al. 2012; Gholamrezanezhad et al. 2011; Parekkadan et al. 2007; "
        "van Poll et al. 2008",
        "livermodel compare fulminant-msc-early fulminant-msc-late --control fulminant"),
    Mechanism(
        "ev", "Extracellular vesicles (EV)",
        "MSC-derived vesicles are a cell-free substitute: IV vesicles leave plasma within minutes, "
        "a fraction reaches the liver, and their effect lasts hours. One dose acts shorter than "
        "MSCs (which keep secreting for a day), so EVs need redosing to cover the critical first "
        "day.",
        ("ev_plasma", "ev_liver", "signal"),
        ("ev_plasma_half_life", "ev_liver_fraction", "ev_liver_half_life", "ev_potency"),
        "Takahashi et al. 2013; Lai et al. 2014; Tan et al. 2014",
        "livermodel compare fulminant-ev-single fulminant-ev-repeated --control fulminant"),
    Mechanism(
        "survival", "The survival hazard",
        "The animal or patient dies with a hazard that rises as a smooth step when functional mass "
        "falls below the critical level; survival probability is exp(-H). A systemic "
        "inflammation (an ACLF flare) also injures other organs: that systemic injury Z heals "
        "over weeks and adds a hazard of its own, so a patient whose liver recovers can still "
        "die of multi-organ failure or infection (metric failure_cause). It is a one-variable "
        "summary of extrahepatic organ failure, not a model of each organ.",
        ("cumulative_hazard", "systemic_injury", "systemic_hazard"),
        ("hazard_max", "hazard_width", "critical_mass", "metabolic_load", "systemic_injury_rate",
         "systemic_injury_half", "systemic_injury_half_life", "hazard_systemic"),
        "assumption (untreated acute liver failure kills within days); Claria et al. 2016; "
        "Zhou et al. 2020; Lin et al. 2017 (causes of death)",
        "livermodel run fulminant"),
) + DRUG_MECHANISMS}

#: Reference scenario (library name, override changing nothing else) per parameter group, used by
#: :func:`parameter_demo` to show what raising a parameter does.
DEMO_SCENARIOS: dict[str, str] = {
    "species": "rat-phx-70",
    "regeneration": "rat-phx-70",
    "injury": "rat-phx-70",
    "inflammation": "mouse-apap-300",
    "toxin": "mouse-apap-300",
    "enzymes": "mouse-apap-300",
    "survival": "rat-phx-90",
    "msc": "fulminant-msc-early",
    "ev": "fulminant-ev-repeated",
    "effects": "fulminant-msc-early",
    "acetaminophen": "mouse-apap-300",
    "nac": "human-apap-nac-4h",
    "galactosamine": "fulminant",
}

#: Parameters shown in another scenario than their group's: the systemic route matters only
#: where a systemic flare injures other organs.
DEMO_FOR: dict[str, str] = {
    name: "human-aclf-msc" for name in ("systemic_injury_rate", "systemic_injury_half",
                                        "systemic_injury_half_life", "hazard_systemic")
}
# fmt: on

DEMO_METRICS = (
    "mode",
    "nadir_mass",
    "recovery_time_h",
    "failure_time_h",
    "alt_peak_u_per_l",
    "proliferation_peak_time_h",
    "survival_probability",
)


# ---------------------------------------------------------------------------------------------
# lookups
# ---------------------------------------------------------------------------------------------


def all_equations() -> tuple[Equation, ...]:
    """Definitions first, then one equation per state."""
    return DEFINITIONS + DRUG_DEFINITIONS + EQUATIONS


def equation(name: str) -> Equation:
    """The definition or state equation called ``name``."""
    for eq in all_equations():
        if eq.name == name:
            return eq
    raise LivermodelError(
        f"no equation called '{name}'", suggestion=did_you_mean(name, [e.name for e in all_equations()])
    )


def parameters_in_equations() -> set[str]:
    """Every parameter named by some term of :data:`DEFINITIONS` or :data:`EQUATIONS`."""
    return {p for eq in all_equations() for t in eq.terms for p in t.parameters}


def equations_using(name: str) -> list[Equation]:
    """The equations with a term that uses parameter ``name``."""
    return [eq for eq in all_equations() if any(name in t.parameters for t in eq.terms)]


def mechanisms_using(name: str) -> list[Mechanism]:
    return [m for m in MECHANISMS.values() if name in m.parameters]


def check_mechanism(name: str) -> Mechanism:
    key = name.strip().lower().replace(" ", "-")
    aliases = {
        "failure": "overload",
        "threshold": "overload",
        "failure-threshold": "overload",
        "overload-death": "overload",
        "hazard": "survival",
        "survival-hazard": "survival",
        "alt": "enzymes",
        "ast": "enzymes",
        "mscs": "msc",
        "evs": "ev",
        "exosomes": "ev",
        "inflammation-loop": "inflammation",
    }
    key = aliases.get(key, key)
    if key not in MECHANISMS:
        raise LivermodelError(
            f"unknown mechanism '{name}'",
            key="--mechanism",
            expected=f"one of {', '.join(MECHANISMS)}",
            found=repr(name),
            suggestion=did_you_mean(key, MECHANISMS),
        )
    return MECHANISMS[key]
