"""The one parameter table of livermodel, and the species presets.

Every model parameter is one :class:`Parameter` row in :data:`PARAMETERS`: name, default (for
the rat), unit, plausible range, hard limits, description and source ("assumption" where the
literature gives no number).  This table drives validation of scenario files, the generated
parameter table in ``docs/model.md`` and the ``livermodel params`` command.

Species presets (:data:`SPECIES`) change as few rows as possible: the cell-kinetic time scale,
the metabolic load, how the species handles an acetaminophen-like toxin, and baseline serum
enzymes.  The model structure is the same for every species (after Periwal et al. 2016, who
reproduced regeneration in five mammals by changing only a metabolic-load parameter).
"""

from __future__ import annotations

import math

from livermodel.errors import ParameterError, did_you_mean
from livermodel.model.drug_parameters import DRUG_PARAMETERS
from livermodel.model.parameter_row import Parameter, _p
from livermodel.units import unit_after_number

_CALIBRATED = (
    "calibrated to the rat 70 % hepatectomy volume time course (Barnhart et al., longitudinal "
    "ultrasound; data summarised in the model brief)"
)

# Tables: one entry per row reads better than one argument per line.
# fmt: off
PARAMETERS: tuple[Parameter, ...] = (
    # --- species and time scale -------------------------------------------------------------
    _p("time_scale", 1.0, "1", (0.5, 20.0), "species",
       "Cell-kinetic time scale relative to the rat: every hepatocyte priming, division, repair and "
       "death rate is divided by it (1 rat, 1.5 mouse, 10 human).",
       "rat = 1 by definition; mouse from the later DNA-synthesis peak (36-48 h vs 24 h, "
       "Michalopoulos reviews); human from months-long regrowth (Yamanaka et al. 1993)",
       limits=(1e-3, 1e3)),
    _p("metabolic_load", 1.0, "1", (0.5, 3.0), "species",
       "Metabolic load per unit liver mass relative to a normal rat liver.  The overload-death "
       "threshold is critical_mass x metabolic_load, so a higher load (steatosis, cirrhosis, "
       "a large body) moves the failure threshold up.",
       "structure after Furchtgott et al. 2009 and Verma et al. 2019 (parameter M); "
       "values relative to the rat are an assumption", limits=(1e-3, 100.0)),
    _p("body_weight", 0.25, "kg", (0.02, 100.0), "species",
       "Body weight of the individual: scales the exposure that a dose per kg of MSCs or EVs "
       "gives (see therapy_exposure_exponent).",
       "typical adult weights: mouse 0.025 kg, rat 0.25 kg, human 70 kg",
       limits=(1e-3, 1e3)),
    # --- regeneration (hepatostat) -----------------------------------------------------------
    _p("set_point", 1.0, "1 (normal mass)", (0.8, 1.2), "regeneration",
       "Hepatostat set point: the liver function (in normal-liver units) that the body needs.  "
       "Division stops when compensation x hypertrophy x total mass reaches it.",
       "normalisation; hepatostat after Michalopoulos 2007 and Furchtgott et al. 2009",
       limits=(0.1, 10.0)),
    _p("initial_mass", 1.0, "1 (normal mass)", (0.5, 1.2), "regeneration",
       "Functional hepatocyte mass before any insult.  Kept apart from the set point: a liver "
       "may start below (atrophy, a graft) or above what the body needs.",
       "normalisation (1 = the liver of the animal or patient before surgery)", limits=(0.0, 10.0)),
    _p("growth_signal_rate", 0.5, "1/h", (0.05, 5.0), "regeneration",
       "Rate at which the growth signal (HGF-like) follows the functional-mass deficit.",
       "assumption; plasma HGF rises within 1-3 h of partial hepatectomy (Lindroos et al. 1991, "
       "Hepatology 13:743)"),
    _p("priming_rate", 0.096, "1/h", (0.03, 0.3), "regeneration",
       "Maximal rate at which quiescent hepatocytes are primed (leave G0) under a saturated demand drive.",
       _CALIBRATED + "; lag structure after Furchtgott et al. 2009 (Q -> P -> R)", scaled=True),
    _p("priming_decay_rate", 0.105, "1/h", (0.05, 0.2), "regeneration",
       "Rate at which primed hepatocytes return to quiescence.",
       _CALIBRATED, scaled=True),
    _p("division_rate", 0.082, "1/h", (0.01, 0.2), "regeneration",
       "Maximal mass-doubling rate of primed hepatocytes far below the set point.",
       _CALIBRATED + "; rat hepatocyte cell cycle about 24 h", scaled=True),
    _p("regeneration_capacity", 1.0, "1", (0.05, 1.5), "regeneration",
       "Multiplier on division (1 = normal; lower for impaired regeneration such as chronic "
       "alcohol).", "assumption; suppression after alcohol after Barnhart et al. (rat "
       "ultrasound) and Verma et al. 2018 (suppressed recovery mode)", limits=(0.0, 10.0)),
    _p("priming_half", 0.05, "growth-signal units", (0.01, 0.3), "regeneration",
       "Demand drive (growth signal above its threshold) at which priming is half-maximal: "
       "priming saturates like a receptor response.",
       "structure after Furchtgott et al. 2009 (saturating priming switch); value assumption",
       limits=(1e-6, math.inf)),
    _p("priming_threshold", 0.033, "growth-signal units", (0.0, 0.5), "regeneration",
       "Growth signal below which no hepatocyte is primed (a small deficit is met by "
       "hypertrophy and compensation alone).  Chronic ethanol raises it (impaired priming).",
       "assumption; regeneration by hypertrophy alone after small resections (Miyaoka et al. "
       "2012, Curr Biol 22:1166, doi:10.1016/j.cub.2012.05.016)", limits=(0.0, 10.0)),
    _p("overload_priming_block", 1.0, "1", (0.0, 1.0), "regeneration",
       "Fraction of priming blocked while hepatocytes are overloaded (cells in the overload "
       "switch do not enter the cycle); this delays division after extreme resections.",
       "assumption; proliferation peak delayed to about 36 h after 80 % hepatectomy in rats "
       "(Zieve et al. 1985)", limits=(0.0, 1.0)),
    _p("hypertrophy_rate", 0.28, "1/h", (0.05, 1.0), "regeneration",
       "Rate at which hepatocyte size follows the demand drive (cell enlargement before "
       "division).", "assumption; hepatocytes are enlarged within a day of 70 % hepatectomy "
       "(Marongiu et al. 2017, World J Gastroenterol 23:1764, doi:10.3748/wjg.v23.i10.1764)",
       scaled=True),
    _p("hypertrophy_gain", 0.37, "1 per growth-signal unit", (0.1, 1.0), "regeneration",
       "Increase of hepatocyte volume per unit demand drive.",
       "calibrated to the rat 10 h volume point (Barnhart et al. 2023); mean hepatocyte area "
       "+26 % at 24 h after 70 % hepatectomy (Marongiu et al. 2017); hypertrophy precedes "
       "hyperplasia (Miyaoka et al. 2012)"),
    _p("compensation_rate", 0.0021, "1/h per growth-signal unit", (0.0005, 0.01), "regeneration",
       "Rate at which the remnant raises its function per unit volume while demand persists "
       "(slow functional adaptation: lobular remodelling, enzyme induction).  Not scaled by "
       "time_scale: it is a slow tissue process.",
       "calibrated to the human right-lobe donor volumes (Aoki et al. 2011, J Gastrointest Surg "
       "15:1594, doi:10.1007/s11605-011-1590-y); donors below their pre-operative volume with "
       "normal liver function at 1 year (Haga et al. 2008)"),
    _p("compensation_max", 2.0, "1", (1.0, 3.0), "regeneration",
       "Ceiling of liver function per unit volume relative to normal.", "assumption",
       limits=(1.0, 10.0)),
    _p("compensation_half_life", 26298.0, "h", (4000.0, 90000.0), "regeneration",
       "Half-life with which the functional compensation relaxes once demand is met (3 years by "
       "default), so volume keeps converging slowly toward the pre-operative value.",
       "assumption; volumes still converging at 4 years (Aoki et al. 2011)", limits=(1.0, 1e7)),
    _p("inflammation_priming", 0.5, "1", (0.0, 2.0), "regeneration",
       "Priming drive per unit inflammation (TNF/IL-6 prime hepatocytes).",
       "structure after Furchtgott et al. 2009 (TNF -> IL-6 -> STAT3 priming); value assumption"),
    # --- injury and death --------------------------------------------------------------------
    _p("death_rate", 0.1, "1/h", (0.01, 0.5), "injury",
       "Death rate of injured hepatocytes (necrosis/apoptosis).",
       "assumption; chosen so that serum ALT peaks about 24 h after a mouse acetaminophen "
       "dose (Bhushan et al. 2014)", scaled=True),
    _p("repair_rate", 0.1, "1/h", (0.01, 0.5), "injury",
       "Rate at which injured hepatocytes recover their function.", "assumption", scaled=True),
    _p("death_sensitivity", 1.0, "1", (0.3, 3.0), "injury",
       "Multiplier on every death rate (1 = normal liver; above 1 for an injured, "
       "steatotic or cirrhotic liver).",
       "after Verma et al. 2019 (cell-death sensitivity after PHx controls the response mode)",
       limits=(0.0, 100.0)),
    _p("critical_mass", 0.15, "1 (normal mass)", (0.1, 0.35), "injury",
       "Liver function per unit metabolic load at which overload death is half-maximal.",
       "Verma et al. 2019 / Barnhart code: theta_cd x M = 0.187 for the rat", limits=(0.0, 1.0)),
    _p("overload_width", 0.09, "1 (normal mass)", (0.02, 0.15), "injury",
       "Width of the overload-death switch around the critical mass.",
       "Verma et al. 2019, BMC Syst Biol 13:9 (switch width about 0.094); wide enough that "
       "metabolic load and death sensitivity give all three response modes", limits=(1e-4, 1.0)),
    _p("overload_death_rate", 0.1, "1/h", (0.01, 0.5), "injury",
       "Maximal death rate of hepatocytes when functional mass per load is below the critical "
       "mass.", "Verma et al. 2019 / Barnhart code (k_cd = 0.1 per hour)", scaled=True),
    # --- inflammation ------------------------------------------------------------------------
    _p("inflammation_production", 2.0, "1 per unit mass dying", (0.2, 10.0), "inflammation",
       "Inflammation produced per unit of hepatocyte death flux (danger signals, Kupffer "
       "cell activation).", "assumption"),
    _p("inflammation_decay_rate", 0.15, "1/h", (0.03, 1.0), "inflammation",
       "First-order resolution of inflammation.", "assumption (cytokine half-lives of hours)"),
    _p("inflammation_injury_rate", 0.06, "1/h", (0.0, 0.3), "inflammation",
       "Maximal rate at which inflammation injures functional hepatocytes.", "assumption"),
    _p("inflammation_injury_half", 0.5, "1 (relative)", (0.1, 2.0), "inflammation",
       "Inflammation at which its injury rate is half-maximal.  The injury term rises as "
       "X^2/(X^2 + half^2): low-grade inflammation does not injure, so a normal liver is a "
       "stable steady state, while a large insult can feed on itself.", "assumption",
       limits=(1e-6, math.inf)),
    _p("inflammation_death_gain", 1.0, "1", (0.0, 5.0), "inflammation",
       "Increase in the death rate of injured hepatocytes per unit inflammation.", "assumption"),
    # --- toxin -------------------------------------------------------------------------------
    _p("toxin_clearance_rate", 0.3, "1/h", (0.01, 3.0), "toxin",
       "First-order clearance of the toxin at full liver function.",
       "assumption: the toxin is the reactive-metabolite load (protein adducts), which outlasts "
       "the parent drug; human value after the serum adduct half-life of about 1-2 days "
       "(James et al. 2009, Drug Metab Dispos 37:1779)"),
    _p("toxin_liver_dependence", 0.8, "1", (0.0, 1.0), "toxin",
       "Fraction of toxin clearance that scales with functional mass (0: clearance independent "
       "of the liver).", "assumption (acetaminophen is cleared mainly by hepatic conjugation)",
       limits=(0.0, 1.0)),
    _p("toxin_ec50", 600.0, "mg/kg", (100.0, 2000.0), "toxin",
       "Toxin load at which the injury rate is half-maximal (glutathione-depletion threshold).",
       "assumption; rats are far more resistant to acetaminophen than mice (McGill et al. 2012, "
       "Toxicol Appl Pharmacol 264:387); mouse value puts the lethal dose between 300 and 600 "
       "mg/kg (Bhushan et al. 2014)",
       limits=(1e-6, math.inf)),
    _p("toxin_hill", 3.0, "1", (1.0, 6.0), "toxin",
       "Steepness of the toxin dose-injury curve (threshold behaviour of glutathione depletion).",
       "assumption", limits=(0.5, 20.0)),
    _p("toxin_injury_rate", 0.7, "1/h", (0.05, 2.0), "toxin",
       "Maximal rate at which the toxin injures functional hepatocytes.", "assumption (untreated "
       "fulminant injury fails; mouse 300 mg/kg recovers and 600 mg/kg fails)",
       scaled=True),
    _p("antidote_clearance_boost", 4.0, "1", (0.0, 20.0), "toxin",
       "Relative increase of toxin clearance while an N-acetylcysteine-like antidote acts.",
       "assumption; N-acetylcysteine works best within 8-10 h of overdose"),
    *DRUG_PARAMETERS,
    # --- serum enzymes -----------------------------------------------------------------------
    _p("alt_half_life", 34.6, "h", (15.0, 60.0), "enzymes",
       "Serum ALT half-life.", "Sherman & Goessling (91,086 patients): 34.6 h",
       limits=(0.1, 1e4)),
    _p("ast_half_life", 15.8, "h", (8.0, 30.0), "enzymes",
       "Serum AST half-life.", "Sherman & Goessling (91,086 patients): 15.8 h", limits=(0.1, 1e4)),
    _p("alt_baseline", 45.0, "U/L", (10.0, 100.0), "enzymes",
       "Serum ALT of a healthy animal.", "typical rat reference value (assumption)"),
    _p("ast_baseline", 80.0, "U/L", (10.0, 200.0), "enzymes",
       "Serum AST of a healthy animal.", "typical rat reference value (assumption)"),
    _p("alt_release", 2.0e4, "U/L per unit mass", (2e3, 1e5), "enzymes",
       "Serum ALT released when hepatocyte mass equal to a whole liver dies.",
       "assumption; gives peaks of 10^3-10^4 U/L after massive necrosis (acetaminophen, "
       "Bhushan et al. 2014)"),
    _p("ast_release", 3.0e4, "U/L per unit mass", (3e3, 2e5), "enzymes",
       "Serum AST released when hepatocyte mass equal to a whole liver dies.",
       "assumption (hepatocytes hold more AST than ALT)"),
    # --- survival ----------------------------------------------------------------------------
    _p("hazard_max", 0.05, "1/h", (0.005, 0.5), "survival",
       "Death hazard of the animal or patient when liver function is far below the failure "
       "level Phi_fail.  The run has failed once the survival probability exp(-H) falls below "
       "one half.  Not divided by time_scale: death from liver failure is systemic "
       "(coagulopathy, encephalopathy, hypoglycaemia), not cell-kinetic, so it is as fast in "
       "every species.", "assumption (untreated acute liver failure kills within days)"),
    _p("hazard_width", 0.03, "1 (normal mass)", (0.005, 0.1), "survival",
       "Width of the rise of the hazard around the failure level Phi_fail (the liver function "
       "below which overload death outruns the fastest division).", "assumption",
       limits=(1e-4, 1.0)),
    _p("systemic_injury_rate", 0.1, "1/h", (0.01, 1.0), "survival",
       "Rate at which systemic inflammation builds extrahepatic injury (organ dysfunction and "
       "the immune dysfunction that lets infections in), at saturating inflammation.",
       "assumption; systemic inflammation drives extrahepatic organ failure in "
       "acute-on-chronic liver failure (Claria et al. 2016, Hepatology 64:1249, "
       "doi:10.1002/hep.28740, abstract)"),
    _p("systemic_injury_half", 1.0, "1 (relative)", (0.5, 8.0), "survival",
       "Inflammation at which the build-up of systemic injury is half-maximal (Hill, n = 4: a "
       "threshold, the spill-over of a systemic inflammatory response).  Above the local "
       "inflammation of a resection or a survivable rodent toxic injury (peaks below 0.5): "
       "only a systemic flare injures other organs.", "assumption",
       limits=(1e-3, 100.0)),
    _p("systemic_injury_half_life", 336.0, "h", (100.0, 1500.0), "survival",
       "Half-life with which systemic injury heals once the inflammation is gone (two weeks): "
       "the risk of death after a flare lasts weeks.",
       "assumption; in HBV-related ACLF a high IL-6 at week 4 still predicts death in weeks 5-8 "
       "(hazard ratio 2.39; Zhou et al. 2020, World J Gastroenterol 26:4479, "
       "doi:10.3748/wjg.v26.i30.4479, abstract)", limits=(1.0, 1e5)),
    _p("hazard_systemic", 0.009, "1/h", (0.0, 0.03), "survival",
       "Death hazard at full systemic injury (multi-organ failure, severe infection), on top "
       "of the hazard of liver failure.  0 switches the systemic route off.",
       "calibrated to the human-aclf-trial-control arm: 24-week survival 55.6 % with 37.0 % "
       "of patients dying of multi-organ failure or severe infection (Lin et al. 2017, "
       "Hepatology 66:209, doi:10.1002/hep.29189, abstract)", limits=(0.0, 1.0)),
    # --- MSC therapy -------------------------------------------------------------------------
    _p("msc_lung_fraction_iv", 0.8, "1", (0.5, 0.95), "msc",
       "Fraction of intravenously infused MSCs trapped in the lungs.",
       "Eggenhofer et al. 2012 (most cells in the lungs at 1 h); Gholamrezanezhad et al. 2011 "
       "(27-34 % of label in lungs at once)", limits=(0.0, 1.0)),
    _p("msc_liver_fraction_iv", 0.02, "1", (0.0, 0.05), "msc",
       "Fraction of intravenously infused MSCs that reach the liver.",
       "Gholamrezanezhad et al. 2011: 0-2.8 % of label in the liver at first", limits=(0.0, 1.0)),
    _p("msc_liver_fraction_intraportal", 0.6, "1", (0.3, 0.9), "msc",
       "Fraction of intraportally infused MSCs that lodge in the liver.", "assumption",
       limits=(0.0, 1.0)),
    _p("msc_liver_fraction_intrasplenic", 0.3, "1", (0.1, 0.6), "msc",
       "Fraction of intrasplenically injected MSCs that reach the liver.", "assumption",
       limits=(0.0, 1.0)),
    _p("msc_liver_fraction_intraperitoneal", 0.05, "1", (0.0, 0.2), "msc",
       "Fraction of intraperitoneally injected MSCs that reach the liver.", "assumption",
       limits=(0.0, 1.0)),
    _p("msc_lung_half_life", 6.0, "h", (2.0, 24.0), "msc",
       "Half-life of viable MSCs trapped in the lungs.",
       "Eggenhofer et al. 2012: viable MSCs only in the lungs and only up to 24 h",
       limits=(0.01, 1e4)),
    _p("msc_liver_half_life", 24.0, "h", (6.0, 240.0), "msc",
       "Half-life of viable MSCs in the liver.", "assumption", limits=(0.01, 1e5)),
    _p("msc_lung_potency", 0.2, "signal per 1e6 cells/kg", (0.0, 1.0), "msc",
       "Paracrine therapy signal per million lung-trapped MSCs per kg (systemic secretion).",
       "assumption (lung-trapped MSCs act through secreted factors, e.g. TSG-6)"),
    _p("msc_liver_potency", 1.0, "signal per 1e6 cells/kg", (0.1, 5.0), "msc",
       "Paracrine therapy signal per million liver-resident MSCs per kg.", "assumption"),
    _p("msc_ev_release", 0.5, "ug/kg per h per 1e6 cells/kg", (0.0, 5.0), "msc",
       "Extracellular-vesicle protein released into the liver per million viable MSCs per kg.",
       "assumption"),
    _p("msc_lung_capacity", 50.0, "1e6 cells/kg", (5.0, 500.0), "msc",
       "Lung-trapped MSCs above which the cells obstruct the pulmonary microvasculature "
       "(emboli, a pro-inflammatory load; see msc_embolism_inflammation).", "assumption",
       limits=(0.0, math.inf)),
    _p("msc_embolism_inflammation", 0.0, "1/h per 1e6 cells/kg", (0.0, 0.01), "msc",
       "Inflammation made per hour by each million lung-trapped MSCs per kg above the lung "
       "capacity: the optional high-dose term that lets a very large dose do harm. Off (0) by "
       "default: the evidence is weak.",
       "assumption; IV MSCs lodge in the lung (Schrepfer et al. 2007, Transplant Proc 39, "
       "abstract); benefit abolished at high cell numbers (Parekkadan et al. 2007, PLoS ONE "
       "2:e941, bioreactor MSCs, mechanism not shown)"),
    _p("engraftment_rate", 0.0, "1/h", (0.0, 0.01), "msc",
       "Rate at which liver MSCs become functional hepatocytes (off by default: engraftment is "
       "negligible).", "Eggenhofer et al. 2012 (no viable MSCs outside the lungs)"),
    _p("msc_mass_per_million", 5e-4, "mass per 1e6 cells/kg", (1e-4, 2e-3), "msc",
       "Liver mass equivalent of one million engrafted cells per kg body weight.",
       "about 2e9 hepatocytes per kg body weight (assumption)"),
    # --- EV therapy --------------------------------------------------------------------------
    _p("ev_plasma_half_life", 0.05, "h", (0.02, 1.0), "ev",
       "Plasma half-life of infused extracellular vesicles.",
       "Takahashi et al. 2013: about 2 min; most tracking studies minutes to under an hour",
       limits=(1e-3, 1e3)),
    _p("ev_liver_fraction", 0.4, "1", (0.1, 0.8), "ev",
       "Fraction of cleared plasma EVs taken up by the liver (the rest mostly by the spleen).",
       "Lai et al. 2014 (spleen, then liver); assumption", limits=(0.0, 1.0)),
    _p("ev_liver_half_life", 8.0, "h", (2.0, 48.0), "ev",
       "Half-life of the EV effect in liver tissue.", "assumption (tissue effect lasting hours)",
       limits=(0.01, 1e4)),
    _p("ev_potency", 0.02, "signal per ug/kg", (0.002, 0.2), "ev",
       "Paracrine therapy signal per ug/kg of EV protein in the liver.", "assumption"),
    # --- therapy effect channels -------------------------------------------------------------
    _p("therapy_exposure_exponent", 0.25, "1", (0.0, 0.5), "effects",
       "Allometric exponent of therapy exposure: the paracrine signal of a dose per kg is "
       "multiplied by (body_weight / 0.25 kg)^exponent. Secreted factors are cleared in "
       "proportion to body weight^0.75, so a dose per kg leaves an exposure per kg that rises "
       "as body weight^0.25 (x4.1 in a 70 kg human against a 0.25 kg rat; x0.56 in a mouse).",
       "clearance scales as body weight^0.74 across mammals (Hu & Hayton 2001, AAPS PharmSci "
       "3:E29, 99 % CI 0.71-0.76, abstract); applying it to MSC and EV secretion is an "
       "assumption", limits=(0.0, 1.0)),
    _p("therapy_ec50", 1.0, "signal", (0.1, 10.0), "effects",
       "Therapy signal that gives half of each channel's maximal effect.", "assumption",
       limits=(1e-9, math.inf)),
    _p("anti_inflammatory_max", 0.8, "1", (0.0, 1.0), "effects",
       "Maximal fractional reduction of inflammation production by therapy.",
       "assumption; MSC secretome damps inflammation (Parekkadan et al. 2007; van Poll et al. "
       "2008)", limits=(0.0, 1.0)),
    _p("anti_inflammatory_resolution", 1.0, "1", (0.0, 3.0), "effects",
       "Fold increase, at full therapy occupancy, of the rate at which inflammation resolves "
       "(1: twice as fast). The anti-inflammatory channel also damps an inflammation already "
       "under way, not only the new inflammation that dying cells make.",
       "assumption; MSCs reprogram macrophages towards IL-10 through PGE2 (Nemeth et al. "
       "2009, Nat Med 15:42, doi:10.1038/nm.1905, abstract); value calibrated with the exposure scaling to "
       "the 24-week survival gain of Lin et al. 2017 (Hepatology 66:209)", limits=(0.0, 100.0)),
    _p("anti_death_max", 0.7, "1", (0.0, 1.0), "effects",
       "Maximal fractional reduction of hepatocyte death rates by therapy.",
       "assumption; MSC-conditioned medium reduced hepatocellular death (van Poll et al. 2008); "
       "MSC exosomes (Tan et al. 2014)", limits=(0.0, 1.0)),
    _p("pro_regenerative_max", 0.5, "growth-signal units", (0.0, 1.0), "effects",
       "Maximal growth signal added by therapy (trophic factors).",
       "assumption; MSC-conditioned medium stimulated hepatocyte proliferation (van Poll et al. "
       "2008)", limits=(0.0, 10.0)),
    _p("anti_inflammatory_on", 1.0, "switch", (0.0, 1.0), "effects",
       "Switch of the anti-inflammatory channel (1 on, 0 off).", "model switch",
       limits=(0.0, 1.0)),
    _p("anti_death_on", 1.0, "switch", (0.0, 1.0), "effects",
       "Switch of the anti-death channel (1 on, 0 off).", "model switch", limits=(0.0, 1.0)),
    _p("pro_regenerative_on", 1.0, "switch", (0.0, 1.0), "effects",
       "Switch of the pro-regenerative channel (1 on, 0 off).", "model switch",
       limits=(0.0, 1.0)),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}
NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)

#: Species presets: the rows that differ from the rat defaults, and why.
SPECIES: dict[str, dict[str, float]] = {
    "rat": {},
    "mouse": {
        "time_scale": 1.5,
        "body_weight": 0.025,
        "toxin_ec50": 150.0,
        "cyp_clearance": 0.8,
        "glutathione_pool": 260.0,
        "glutathione_synthesis_rate": 0.25,
        "alt_baseline": 35.0,
        "ast_baseline": 60.0,
    },
    "human": {
        "time_scale": 10.0,
        "body_weight": 70.0,
        "metabolic_load": 1.15,
        "toxin_clearance_rate": 0.03,
        "toxin_ec50": 150.0,
        "apap_absorption_rate": 1.0,
        "glucuronidation_vmax": 20.6,
        "sulfation_vmax": 1.125,
        "cyp_clearance": 0.02,
        "apap_renal_clearance": 0.0175,
        "glutathione_pool": 100.0,
        "glutathione_synthesis_rate": 0.075,
        "adduct_half_life": 41.0,
        "stress_rate": 0.015,
        "necrosis_rate": 0.04,
        "alt_release": 3.0e4,
        "ast_release": 4.0e4,
        "alt_baseline": 25.0,
        "ast_baseline": 25.0,
    },
}

SPECIES_NOTES: dict[str, str] = {
    "rat": "reference species; rat 70 % hepatectomy data (Barnhart et al.)",
    "mouse": "slower priming (DNA synthesis peak 36-48 h); faster acetaminophen clearance; "
    "lower baseline enzymes",
    "human": "regeneration over months (Yamanaka et al. 1993); higher metabolic load "
    "(clinical minimum remnant 20-27 %); slower acetaminophen clearance and a lower toxic "
    "dose (about 150 mg/kg); human reference enzymes",
}
# fmt: on


def check_name(name: str, *, key: str | None = None) -> Parameter:
    """The :class:`Parameter` called ``name``; raises :class:`ParameterError` with a hint if unknown."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ParameterError(
            f"unknown parameter '{name}'",
            key=key,
            expected="a name from the parameter table (see 'livermodel params')",
            found=repr(name),
            suggestion=did_you_mean(name, NAMES),
        ) from None


def check_value(name: str, value: float, *, key: str | None = None) -> float:
    """Check ``value`` against the hard limits of parameter ``name`` and return it as float."""
    par = check_name(name, key=key)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"parameter '{name}' needs a number",
            key=key,
            expected=f"a number in {par.unit}",
            found=repr(value),
        ) from None
    lo, hi = par.limits
    if not math.isfinite(value) or value < lo or value > hi:
        raise ParameterError(
            f"value {value:g} is impossible for '{name}'",
            key=key,
            expected=f"a value in [{lo:g}, {hi:g}]"
            + (f" {unit_after_number(par.unit)}" if unit_after_number(par.unit) else "")
            + f"; plausible range {par.bounds[0]:g} to {par.bounds[1]:g}",
            found=f"{value:g}",
        )
    return value


def check_species(species: str, *, key: str | None = "species") -> str:
    """Return ``species`` if it is a known preset, else raise :class:`ParameterError`."""
    if species not in SPECIES:
        raise ParameterError(
            f"unknown species '{species}'",
            key=key,
            expected=f"one of {', '.join(SPECIES)}",
            found=repr(species),
            suggestion=did_you_mean(species, SPECIES),
        )
    return species


def defaults(species: str = "rat") -> dict[str, float]:
    """All parameter values of a species preset, as a new dict (no time scaling applied)."""
    check_species(species)
    values = {p.name: p.default for p in PARAMETERS}
    values.update(SPECIES[species])
    return values


def resolve(species: str = "rat", overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Parameter values for ``species`` with ``overrides`` applied and checked."""
    values = defaults(species)
    for name, value in (overrides or {}).items():
        values[name] = check_value(name, value, key=f"parameters.{name}")
    return values


def out_of_range(values: dict[str, float]) -> list[str]:
    """Names whose values lie outside their plausible range (for warnings, not errors)."""
    return [
        n
        for n, v in values.items()
        if n in BY_NAME and not (BY_NAME[n].bounds[0] <= v <= BY_NAME[n].bounds[1])
    ]


def _fmt(value: float) -> str:
    if value == math.inf:
        return "inf"
    return f"{value:.4g}"


TABLE_BEGIN = (
    "<!-- BEGIN PARAMETER TABLE (generated by: python -m livermodel.model.parameters docs/model.md) -->"
)
TABLE_END = "<!-- END PARAMETER TABLE -->"


def markdown_table() -> str:
    """The parameter table as Markdown: one row per parameter with species values, grouped."""
    species = [s for s in SPECIES if s != "rat"]
    head = ["name", "unit", "rat (default)", *species, "plausible range", "description", "source"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    group = None
    for p in PARAMETERS:
        if p.group != group:
            group = p.group
            lines.append("| **" + group + "** |" + " |" * (len(head) - 1))
        per_species = [_fmt(SPECIES[s][p.name]) if p.name in SPECIES[s] else "" for s in species]
        scaled = " Divided by `time_scale`." if p.scales_with_time else ""
        row = [
            f"`{p.name}`",
            p.unit,
            _fmt(p.default),
            *per_species,
            f"{_fmt(p.bounds[0])} to {_fmt(p.bounds[1])}",
            p.description + scaled,
            p.source,
        ]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in row) + " |")
    return "\n".join(lines)


def update_docs(path) -> bool:
    """Rewrite the generated parameter table between the markers in ``path``; True if it changed."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start = text.index(TABLE_BEGIN) + len(TABLE_BEGIN)
    end = text.index(TABLE_END)
    new = text[:start] + "\n" + markdown_table() + "\n" + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m livermodel.model.parameters docs/model.md
    import sys

    for target in sys.argv[1:]:
        print(f"{target}: {'updated' if update_docs(target) else 'up to date'}")
