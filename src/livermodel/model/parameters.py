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
from dataclasses import dataclass

from livermodel.errors import ParameterError, did_you_mean


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table.

    ``bounds`` is the *plausible range* (used for sampling, sensitivity analysis and the docs);
    ``limits`` are the *hard limits* outside which the model is meaningless (a negative rate);
    validation rejects values outside ``limits`` and accepts, with a warning, values outside
    ``bounds``.
    """

    name: str
    default: float
    unit: str
    bounds: tuple[float, float]
    description: str
    source: str
    group: str
    limits: tuple[float, float] = (0.0, math.inf)
    scales_with_time: bool = False


def _p(name, default, unit, bounds, group, description, source, limits=(0.0, math.inf), scaled=False):
    return Parameter(name, float(default), unit, (float(bounds[0]), float(bounds[1])),
                     description, source, group, (float(limits[0]), float(limits[1])), scaled)


_CALIBRATED = (
    "calibrated to the rat 70 % hepatectomy volume time course (Barnhart et al., longitudinal "
    "ultrasound; data summarised in the model brief)"
)

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
    # --- acetaminophen (APAP) mechanism -------------------------------------------------------
    # structure after Ben-Shachar et al. 2012 (Theor Biol Med Model 9:55,
    # doi:10.1186/1742-4682-9-55), reduced to one plasma compartment; injury stage after Remien et
    # al. 2012 (Hepatology 56:727, doi:10.1002/hep.25656): toxic load destroys hepatocytes
    _p("apap_absorption_rate", 4.0, "1/h", (0.3, 6.0), "acetaminophen",
       "First-order absorption of an acetaminophen dose into plasma (oral or intraperitoneal).",
       "assumption; rodent doses (i.p. or gavage) peak in plasma within about 30 min; human "
       "overdoses are absorbed more slowly"),
    _p("apap_bioavailability", 0.9, "1", (0.6, 1.0), "acetaminophen",
       "Fraction of an acetaminophen dose that reaches the circulation.",
       "assumption (oral bioavailability of acetaminophen is high; not verified here)",
       limits=(0.0, 1.0)),
    _p("apap_volume", 0.9, "L/kg", (0.6, 1.3), "acetaminophen",
       "Volume of distribution of acetaminophen.",
       "assumption: about 0.9 L/kg is the usual textbook value (not verified here)",
       limits=(1e-3, 100.0)),
    _p("glucuronidation_vmax", 120.0, "mg/kg/h", (10.0, 200.0), "acetaminophen",
       "Maximal rate of acetaminophen glucuronidation (at full liver function).",
       "assumption (rat); glucuronide about 55 % of a therapeutic dose (Howie et al. 1977, via "
       "Navid et al. 2013, In Silico Pharmacol 1:14, doi:10.1186/2193-9616-1-14)"),
    _p("glucuronidation_km", 150.0, "mg/L", (50.0, 500.0), "acetaminophen",
       "Plasma acetaminophen at which glucuronidation is half-maximal (saturates at overdose "
       "concentrations).", "assumption (no Km value found); glucuronidation saturates later "
       "than sulfation", limits=(1e-3, math.inf)),
    _p("sulfation_vmax", 6.75, "mg/kg/h", (0.5, 60.0), "acetaminophen",
       "Maximal rate of acetaminophen sulfation (at full liver function).",
       "assumption (rat); sulfate about 30 % of a therapeutic dose (Howie et al. 1977, via Navid "
       "et al. 2013)"),
    _p("sulfation_km", 15.0, "mg/L", (5.0, 60.0), "acetaminophen",
       "Plasma acetaminophen at which sulfation is half-maximal (sulfation saturates first).",
       "assumption (no Km value found); the sulfate fraction falls from 37.7 % to 33.3 % "
       "between 5 and 20 mg/kg (Clements et al. 1984, abstract)",
       limits=(1e-3, math.inf)),
    _p("cyp_clearance", 0.08, "L/h/kg", (0.005, 1.0), "acetaminophen",
       "Clearance of acetaminophen by CYP oxidation to NAPQI (CYP2E1 mainly), at full liver "
       "function; the species difference in sensitivity lives here and in the glutathione rows.",
       "5-15 % of a therapeutic dose in humans (Navid et al. 2013; human 0.02 L/h/kg = 8 %); "
       "rats form far less NAPQI and fewer mitochondrial adducts than mice (McGill et al. "
       "2012, Toxicol Appl Pharmacol 264:387, doi:10.1016/j.taap.2012.08.015); mouse value "
       "calibrated to its GSH time course; rat value set so that 1 g/kg depletes glutathione "
       "but barely injures (McGill et al. 2012)"),
    _p("apap_renal_clearance", 0.05, "L/h/kg", (0.0, 0.2), "acetaminophen",
       "Renal clearance of unchanged acetaminophen (independent of the liver).",
       "assumption (a few per cent of a dose is excreted unchanged)"),
    _p("apap_liver_dependence", 0.8, "1", (0.0, 1.0), "acetaminophen",
       "Fraction of hepatic acetaminophen metabolism that scales with liver function: an injured "
       "liver clears the drug more slowly (half-life above 4 h in hepatotoxic overdose).",
       "assumption; a plasma half-life above 4 h marks hepatotoxic overdoses (issue target; "
       "Prescott's observation, not verified here)", limits=(0.0, 1.0)),
    _p("glutathione_pool", 350.0, "umol/kg", (50.0, 800.0), "acetaminophen",
       "Hepatic glutathione per kg body weight at normal level (liver mass per body weight x "
       "glutathione per gram of liver).",
       "assumption: liver mass per body weight x GSH per gram (mouse control GSH 5-8 umol/g, "
       "J Pharmacol Exp Ther 2013;344:286); mouse value calibrated to its GSH time course"),
    _p("glutathione_synthesis_rate", 0.3, "1/h", (0.05, 1.0), "acetaminophen",
       "Turnover rate of hepatic glutathione (synthesis = turnover at the normal level); sets "
       "how fast glutathione recovers after depletion.",
       "mouse value calibrated to hepatic GSH 18/56/87 % of normal at 1/3/6 h after 300 mg/kg "
       "(J Pharmacol Exp Ther 2013;344:286, table 1); rat value assumption; human value "
       "calibrated with the NAC trial (docs/model.md)"),
    _p("glutathione_max", 1.5, "1 (normal)", (1.1, 3.0), "acetaminophen",
       "Ceiling of hepatic glutathione relative to normal with unlimited cysteine supply.",
       "assumption", limits=(1.0001, 10.0)),
    _p("glutathione_trap_half", 0.2, "1 (normal)", (0.05, 0.4), "acetaminophen",
       "Glutathione level at which half of the NAPQI formed escapes conjugation and binds "
       "protein (trapping ~ G^2/(G^2 + half^2)).",
       "assumption; covalent binding begins once hepatic GSH is largely depleted (Mitchell et "
       "al. 1973, J Pharmacol Exp Ther 187:211; the threshold number not verified here)",
       limits=(1e-3, 1.0)),
    _p("adduct_half_life", 7.0, "h", (4.0, 72.0), "acetaminophen",
       "Half-life of acetaminophen-protein adducts in the liver.",
       "assumption (mouse); serum adducts in overdose patients decline with a half-life of "
       "about 1-2 days (James et al. 2009, Drug Metab Dispos 37:1779, doi:10.1124/dmd.108.026195)",
       limits=(0.01, 1e4)),
    _p("adduct_ec50", 100.0, "umol/kg", (5.0, 200.0), "acetaminophen",
       "Protein-adduct load (umol NAPQI bound per kg body weight) at which mitochondrial stress "
       "is half-maximal.", "calibrated: mouse 300 mg/kg injures and regenerates, 600 mg/kg "
       "fails (Bhushan et al. 2014)",
       limits=(1e-6, math.inf)),
    _p("adduct_hill", 4.0, "1", (1.0, 8.0), "acetaminophen",
       "Steepness of the adduct-stress relation (a threshold of mitochondrial adducts).",
       "assumption", limits=(0.5, 20.0)),
    _p("stress_rate", 0.075, "1/h", (0.005, 1.0), "acetaminophen",
       "Rate at which mitochondrial stress (JNK activation, oxidant stress, permeability "
       "transition) follows the adduct load; gives the lag between adducts and necrosis.",
       "calibrated (mouse) to the ALT rise from about 8 h and peak near 24 h after 300 mg/kg "
       "(Jeong et al. 2019, Lab Anim Res 35:16, doi:10.1186/s42826-019-0017-x; Bhushan et al. "
       "2014); human value calibrated to the aminotransferase peak at 72-96 h (Prescott 1983, "
       "Drugs 25:290), consistent with the slower injury of human HepaRG cells (McGill et al. "
       "2011, Hepatology 53:974, doi:10.1002/hep.24132)"),
    _p("stress_glutathione_protection", 0.92, "1", (0.0, 1.0), "acetaminophen",
       "How much restored glutathione damps adduct-driven mitochondrial stress (0: adducts "
       "alone drive it; 1: no stress while glutathione is normal).  Glutathione scavenges the "
       "mitochondrial oxidants (peroxynitrite) that follow adduct formation, which is how NAC "
       "helps even after adducts have formed.", "structure: adducts trigger a mitochondrial "
       "oxidant and peroxynitrite stress (Saito, Lemasters & Jaeschke 2010, Toxicol Appl "
       "Pharmacol 246:8); value calibrated with the mouse ALT time course", limits=(0.0, 1.0)),
    _p("stress_amplification", 0.8, "1", (0.0, 2.0), "acetaminophen",
       "Self-amplification of mitochondrial stress once it passes necrosis_stress_half, while "
       "adducts persist (the JNK - mitochondria feed-forward loop): past this point restoring "
       "glutathione no longer stops necrosis, which closes the treatment window.",
       "structure after Win et al. 2011 (J Biol Chem 286:35071, doi:10.1074/jbc.M111.276089: "
       "sustained JNK activation through mitochondrial Sab is required for the injury); value "
       "calibrated with the mouse ALT time course"),
    _p("necrosis_rate", 0.15, "1/h", (0.02, 1.0), "acetaminophen",
       "Maximal rate at which fully stressed hepatocytes die by oncotic necrosis.  Not divided "
       "by time_scale: necrosis takes hours in every species; only regeneration is slow.",
       "calibrated: mouse ALT peaks about 24 h after 300 mg/kg (Bhushan et al. 2014, Am J "
       "Pathol 184:3013); human 0.04/h calibrated to the aminotransferase peak at 72-96 h"),
    _p("necrosis_stress_half", 0.2, "1", (0.2, 0.8), "acetaminophen",
       "Mitochondrial stress at which necrosis is half-maximal (Hill, n = 4): cells die once "
       "stress passes a threshold (mitochondrial permeability transition), which sets the lag "
       "between adducts and serum ALT.", "calibrated: mouse ALT rises from about 8 h after "
       "300 mg/kg (Jeong et al. 2019) and 300 mg/kg regenerates while 600 mg/kg fails "
       "(Bhushan et al. 2014)", limits=(1e-3, 1.0)),
    # --- N-acetylcysteine --------------------------------------------------------------------
    _p("nac_volume", 0.5, "L/kg", (0.3, 0.8), "nac",
       "Volume of distribution of N-acetylcysteine.",
       "total NAC 0.47 L/kg (Olsson et al. 1988, via table 2 of Antioxidants 2023;12:1316); "
       "free NAC 0.33 L/kg (Borgstrom et al. 1986, Eur J Clin Pharmacol 31:217)",
       limits=(1e-3, 100.0)),
    _p("nac_half_life", 5.6, "h", (2.0, 8.0), "nac",
       "Elimination half-life of N-acetylcysteine.",
       "terminal half-life of total NAC 5.58 h (Olsson et al. 1988) and 5.7 h in overdose "
       "patients (Prescott 1989), both via table 2 of Antioxidants 2023;12:1316",
       limits=(0.01, 1e3)),
    _p("nac_oral_fraction", 0.6, "1", (0.1, 1.0), "nac",
       "Fraction of an oral NAC dose that reaches the liver as cysteine (first-pass "
       "deacetylation delivers most of it to hepatic GSH synthesis although systemic NAC "
       "bioavailability is only about 10 %).", "assumption; oral and IV regimens are about "
       "equally effective (Smilkstein et al. 1988, N Engl J Med 319:1557)", limits=(0.0, 1.0)),
    _p("nac_glutathione_gain", 10.0, "1", (2.0, 30.0), "nac",
       "Maximal fold increase of glutathione synthesis with abundant cysteine from NAC.",
       "assumption (cysteine supply limits GSH synthesis)"),
    _p("nac_ec50", 20.0, "mg/L", (2.0, 100.0), "nac",
       "NAC concentration at which its boost of glutathione synthesis is half-maximal.",
       "assumption", limits=(1e-6, math.inf)),
    # --- D-galactosamine ---------------------------------------------------------------------
    _p("galactosamine_half_life", 1.0, "h", (0.2, 4.0), "galactosamine",
       "Half-life of D-galactosamine in the body (hepatic uptake and trapping as UDP-hexosamines).",
       "assumption", limits=(0.01, 1e3)),
    _p("uridine_depletion_rate", 2.0, "1/h", (0.2, 10.0), "galactosamine",
       "Maximal rate at which D-galactosamine traps uridine nucleotides (UTP depletion) in "
       "hepatocytes.", "assumption (uncalibrated); uridine phosphates fall below 10 % within "
       "3 h (Keppler et al. 1970, Eur J Biochem 17:246)"),
    _p("uridine_depletion_half", 300.0, "mg/kg", (50.0, 1500.0), "galactosamine",
       "D-galactosamine load at which uridine trapping is half-maximal.", "assumption",
       limits=(1e-6, math.inf)),
    _p("uridine_recovery_rate", 0.1, "1/h", (0.02, 0.5), "galactosamine",
       "Rate at which hepatocytes restore their uridine nucleotides.", "assumption",
       scaled=True),
    _p("galactosamine_injury_rate", 0.3, "1/h", (0.02, 1.0), "galactosamine",
       "Maximal injury rate of functional hepatocytes with uridine nucleotides depleted "
       "(transcriptional arrest, sensitisation to TNF).",
       "assumption (rats given D-galactosamine die of fulminant failure within days unless "
       "treated; Parekkadan et al. 2007, PLoS ONE 2:e941)", scaled=True),
    _p("galactosamine_injury_half", 0.5, "1", (0.1, 0.9), "galactosamine",
       "Uridine-nucleotide deficit at which the injury rate is half-maximal (Hill, n = 4).",
       "assumption", limits=(1e-3, 1.0)),
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
    _p("therapy_ec50", 1.0, "signal", (0.1, 10.0), "effects",
       "Therapy signal that gives half of each channel's maximal effect.", "assumption",
       limits=(1e-9, math.inf)),
    _p("anti_inflammatory_max", 0.8, "1", (0.0, 1.0), "effects",
       "Maximal fractional reduction of inflammation production by therapy.",
       "assumption; MSC secretome damps inflammation (Parekkadan et al. 2007; van Poll et al. "
       "2008)", limits=(0.0, 1.0)),
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
        "toxin_ec50": 150.0,
        "cyp_clearance": 0.8,
        "glutathione_pool": 260.0,
        "glutathione_synthesis_rate": 0.25,
        "alt_baseline": 35.0,
        "ast_baseline": 60.0,
    },
    "human": {
        "time_scale": 10.0,
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


def check_name(name: str, *, key: str | None = None) -> Parameter:
    """The :class:`Parameter` called ``name``; raises :class:`ParameterError` with a hint if unknown."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ParameterError(
            f"unknown parameter '{name}'", key=key,
            expected="a name from the parameter table (see 'livermodel params')",
            found=repr(name), suggestion=did_you_mean(name, NAMES),
        ) from None


def check_value(name: str, value: float, *, key: str | None = None) -> float:
    """Check ``value`` against the hard limits of parameter ``name`` and return it as float."""
    par = check_name(name, key=key)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"parameter '{name}' needs a number", key=key, expected=f"a number in {par.unit}",
            found=repr(value),
        ) from None
    lo, hi = par.limits
    if not math.isfinite(value) or value < lo or value > hi:
        raise ParameterError(
            f"value {value:g} is impossible for '{name}'", key=key,
            expected=f"a value in [{lo:g}, {hi:g}] {par.unit}; plausible range "
            f"{par.bounds[0]:g} to {par.bounds[1]:g}", found=f"{value:g}",
        )
    return value


def check_species(species: str, *, key: str | None = "species") -> str:
    """Return ``species`` if it is a known preset, else raise :class:`ParameterError`."""
    if species not in SPECIES:
        raise ParameterError(
            f"unknown species '{species}'", key=key, expected=f"one of {', '.join(SPECIES)}",
            found=repr(species), suggestion=did_you_mean(species, SPECIES),
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
    return [n for n, v in values.items() if n in BY_NAME
            and not (BY_NAME[n].bounds[0] <= v <= BY_NAME[n].bounds[1])]


def _fmt(value: float) -> str:
    if value == math.inf:
        return "inf"
    return f"{value:.4g}"


TABLE_BEGIN = ("<!-- BEGIN PARAMETER TABLE (generated by: python -m livermodel.model.parameters "
               "docs/model.md) -->")
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
        row = [f"`{p.name}`", p.unit, _fmt(p.default), *per_species,
               f"{_fmt(p.bounds[0])} to {_fmt(p.bounds[1])}", p.description + scaled, p.source]
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
