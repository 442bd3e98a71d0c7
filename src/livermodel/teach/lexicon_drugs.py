"""The acetaminophen, N-acetylcysteine and D-galactosamine parts of the model in words (joined
into :mod:`livermodel.teach.lexicon`).
"""

from __future__ import annotations

from livermodel.teach.lexicon_types import TS as _TS
from livermodel.teach.lexicon_types import Equation, Mechanism, Term

_BS = "Ben-Shachar et al. 2012 (structure)"

#: Auxiliary quantities of the drug equations.
# Tables: one entry per row reads better than one argument per line.
# fmt: off
DRUG_DEFINITIONS: tuple[Equation, ...] = (
    Equation("apap_liver_factor", "L", (
        Term("(1 - apap_liver_dependence) + apap_liver_dependence * min(Phi, 1.5)",
             "hepatic metabolism needs functional liver: an injured liver clears the drug more "
             "slowly", ("apap_liver_dependence",), "Prescott et al. 1971 (half-life > 4 h)"),
    )),
    Equation("napqi", "napqi", (
        Term("cyp_clearance * C * L * 1000/151.16",
             "CYP oxidation of acetaminophen to NAPQI (umol/kg/h)", ("cyp_clearance",),
             "5-15 % of a therapeutic dose (Navid et al. 2013)"),
    )),
    Equation("trap", "trap", (
        Term("G^2 / (G^2 + glutathione_trap_half^2)",
             "share of NAPQI conjugated by glutathione; the rest binds protein",
             ("glutathione_trap_half",), "Mitchell et al. 1973 (binding once GSH is depleted)"),
    )),
    Equation("stress_threshold", "h(S)", (
        Term("S^4 / (S^4 + necrosis_stress_half^4)",
             "mitochondrial stress past its threshold (permeability transition)",
             ("necrosis_stress_half",), "assumption"),
    )),
    Equation("necrosis", "necrosis", (
        Term("death_sensitivity * necrosis_rate * h(S) * (1 - e_ad) * F",
             "stressed functional cells die by oncotic necrosis (not scaled by time_scale: "
             "hours in every species); counted in the death flux",
             ("death_sensitivity", "necrosis_rate"), "Remien et al. 2012 (structure)"),
    )),
    Equation("transcriptional_arrest", "arrest", (
        Term("1 - (1 + galactosamine_injury_half^4) * (1 - W)^4 / ((1 - W)^4 + "
             "galactosamine_injury_half^4)",
             "transcription stops once the uridine nucleotides left, 1 - W, fall to about "
             "galactosamine_injury_half (0 with no deficit, 1 at full depletion)",
             ("galactosamine_injury_half",), "Keppler et al. 1970; Farber et al. 1973"),
    )),
    Equation("galactosamine_injury", "injury_gal", (
        Term("galactosamine_injury_rate * arrest",
             "arrested cells are injured slowly; the dead cells start inflammation, which the "
             "arrest sensitises to (see injury_rate)" + _TS, ("galactosamine_injury_rate",),
             "assumption (calibrated to the rat dose thresholds)"),
    )),
)

#: One equation per drug state, in the order of :data:`livermodel.model.layout.STATES`.
DRUG_EQUATIONS: tuple[Equation, ...] = (
    Equation("apap_gut", "d apap_gut/dt", (
        Term("-apap_absorption_rate * apap_gut", "first-order absorption of the dose",
             ("apap_absorption_rate",), "assumption"),
    )),
    Equation("apap_plasma", "dC/dt", (
        Term("[apap_bioavailability * apap_absorption_rate * apap_gut",
             "absorbed drug enters plasma", ("apap_bioavailability", "apap_absorption_rate"),
             "assumption"),
        Term("- (glucuronidation_vmax/(glucuronidation_km + C) + sulfation_vmax/(sulfation_km + "
             "C)) * C * L",
             "saturable glucuronidation and sulfation (sulfation saturates first)",
             ("glucuronidation_vmax", "glucuronidation_km", "sulfation_vmax", "sulfation_km"),
             _BS + "; Clements et al. 1984"),
        Term("- napqi * 151.16/1000 - apap_renal_clearance * C] / apap_volume",
             "CYP oxidation and renal excretion; concentration over the volume of distribution",
             ("apap_renal_clearance", "apap_volume"), "assumption (0.9 L/kg)"),
    )),
    Equation("glutathione", "dG/dt", (
        Term("glutathione_synthesis_rate * (1 + nac_glutathione_gain * N/(N + nac_ec50)) * "
             "(glutathione_max - G)/(glutathione_max - 1)",
             "synthesis, faster when glutathione is low and when NAC supplies cysteine",
             ("glutathione_synthesis_rate", "nac_glutathione_gain", "nac_ec50",
              "glutathione_max"), _BS),
        Term("- glutathione_synthesis_rate * G", "turnover (synthesis equals turnover at normal)",
             ("glutathione_synthesis_rate",)),
        Term("- napqi * trap / glutathione_pool", "NAPQI trapped by glutathione uses it up",
             ("glutathione_pool",), "Mitchell et al. 1973"),
    )),
    Equation("adducts", "dA/dt", (
        Term("napqi * (1 - trap)", "NAPQI that glutathione cannot trap binds protein"),
        Term("- ln2/adduct_half_life * A", "adducts are cleared with their half-life",
             ("adduct_half_life",), "James et al. 2009 (serum adducts 1.72 d in humans)"),
    )),
    Equation("mito_stress", "dS/dt", (
        Term("stress_rate * [A^adduct_hill/(A^adduct_hill + adduct_ec50^adduct_hill)",
             "protein adducts drive mitochondrial stress after a lag",
             ("stress_rate", "adduct_hill", "adduct_ec50"), "assumption"),
        Term("* (1 - stress_glutathione_protection * trap + stress_amplification * h(S)) - S]",
             "glutathione scavenges the oxidants; stress past its threshold feeds on itself "
             "while adducts persist: the point of no return",
             ("stress_glutathione_protection", "stress_amplification"),
             "Saito, Lemasters & Jaeschke 2010; Win et al. 2011"),
    )),
    Equation("nac", "dN/dt", (
        Term("nac_infusion(t) / nac_volume", "intravenous bags of the 21 h regimen",
             ("nac_volume",), "Olsson et al. 1988 (0.47 L/kg)"),
        Term("- ln2/nac_half_life * N", "elimination", ("nac_half_life",),
             "Olsson et al. 1988 (5.58 h)"),
    ), "Oral doses add nac_oral_fraction * dose / nac_volume at once."),
    Equation("galactosamine", "dD/dt", (
        Term("-ln2/galactosamine_half_life * uridine_depletion_half * D/(D + "
             "uridine_depletion_half)",
             "hepatic phosphorylation removes the drug; it saturates with the trapping, so a "
             "large dose is cleared at a constant rate and the arrest lasts about dose/32 h",
             ("galactosamine_half_life", "uridine_depletion_half"), "assumption"),
    )),
    Equation("uridine_deficit", "dW/dt", (
        Term("uridine_depletion_rate * D/(D + uridine_depletion_half) * (1 - W)",
             "D-galactosamine traps uridine nucleotides as UDP-hexosamines",
             ("uridine_depletion_rate", "uridine_depletion_half"), "Keppler et al. 1970"),
        Term("- uridine_recovery_rate * W", "hepatocytes restore their uridine pool" + _TS,
             ("uridine_recovery_rate",), "assumption"),
    )),
)

#: Drug parameters that act when a dose is given.
DRUG_OTHER: dict[str, str] = {
    "nac_oral_fraction": "an oral NAC dose adds nac_oral_fraction * dose / nac_volume to nac",
}

DRUG_RAISING: dict[str, str] = {
    "apap_absorption_rate": "absorbs a dose faster: a higher, earlier plasma peak and earlier "
                            "glutathione depletion.",
    "apap_bioavailability": "lets more of a dose reach plasma: more NAPQI from the same dose.",
    "apap_volume": "spreads the drug over more volume: lower concentrations, less saturation.",
    "glucuronidation_vmax": "conjugates more drug safely: less left for NAPQI, a higher toxic dose.",
    "glucuronidation_km": "makes glucuronidation saturate later (but slower at low doses).",
    "sulfation_vmax": "sulfates more drug safely: a higher toxic dose.",
    "sulfation_km": "makes sulfation saturate later.",
    "cyp_clearance": "forms more NAPQI: faster glutathione depletion, a lower toxic dose (mice "
                     "form far more than rats).",
    "apap_renal_clearance": "excretes more unchanged drug: less NAPQI.",
    "apap_liver_dependence": "makes metabolism depend more on remaining function: an injured "
                             "liver keeps the drug longer (a vicious circle).",
    "glutathione_pool": "gives more glutathione to spend: depletion takes longer, a higher toxic "
                        "dose.",
    "glutathione_synthesis_rate": "resynthesises glutathione faster: faster recovery, a higher "
                                  "toxic dose.",
    "glutathione_max": "lets NAC raise glutathione higher above normal.",
    "glutathione_trap_half": "lets NAPQI escape at higher glutathione levels: adducts form "
                             "earlier.",
    "adduct_half_life": "keeps adducts longer: stress lasts and the point of no return is "
                        "reached more easily.",
    "adduct_ec50": "needs more adducts for the same stress: a higher toxic dose.",
    "adduct_hill": "makes the adduct-stress relation steeper (more of a threshold).",
    "stress_rate": "makes stress follow adducts faster: an earlier ALT rise and a shorter NAC "
                   "window.",
    "stress_glutathione_protection": "lets restored glutathione damp stress more: NAC helps "
                                     "even after adducts have formed.",
    "stress_amplification": "makes stress past its threshold sustain itself more: a sharper "
                            "point of no return.",
    "necrosis_stress_half": "raises the stress at which cells die: more stress is tolerated, a "
                            "later point of no return.",
    "necrosis_rate": "kills stressed cells faster: a higher, earlier ALT peak, deeper nadir.",
    "nac_volume": "dilutes NAC: lower concentrations from the same regimen.",
    "nac_half_life": "keeps NAC longer: glutathione synthesis boosted for longer.",
    "nac_oral_fraction": "lets more of an oral dose reach the liver: oral NAC closer to IV.",
    "nac_glutathione_gain": "makes NAC boost glutathione synthesis more: faster repletion.",
    "nac_ec50": "needs more NAC for the same boost.",
    "galactosamine_half_life": "keeps D-galactosamine longer: deeper, longer uridine depletion.",
    "uridine_depletion_rate": "depletes uridine nucleotides faster.",
    "uridine_depletion_half": "needs a larger dose for the same depletion.",
    "uridine_recovery_rate": "restores uridine nucleotides faster: less injury.",
    "galactosamine_injury_rate": "injures arrested cells faster: more early ALT, a lower lethal "
                                 "dose.",
    "galactosamine_injury_half": "arrests transcription with less depletion: a lower toxic dose.",
    "galactosamine_sensitisation": "makes inflammation injure arrested cells more: a small "
                                   "endotoxin load, or the dying cells themselves, become lethal.",
}

DRUG_MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism(
        "acetaminophen", "Acetaminophen: glutathione, adducts and a point of no return",
        "Most of a dose is conjugated (glucuronide, sulfate); a CYP share becomes NAPQI, which "
        "glutathione traps. Overdoses saturate conjugation and use up glutathione; NAPQI then "
        "binds protein. Adducts drive mitochondrial stress after a lag; once stress passes a "
        "threshold it sustains itself while adducts persist and cells die by necrosis, releasing "
        "ALT. The injured liver metabolises the drug more slowly, so its half-life rises.",
        ("apap_plasma", "glutathione", "adducts", "mito_stress", "necrosis"),
        ("cyp_clearance", "glutathione_pool", "glutathione_synthesis_rate", "adduct_ec50",
         "stress_rate", "necrosis_rate", "necrosis_stress_half", "stress_amplification"),
        "Ben-Shachar et al. 2012; Remien et al. 2012; Mitchell et al. 1973; McGill et al. 2012",
        "livermodel compare mouse-apap-600 --control mouse-apap-300"),
    Mechanism(
        "nac", "N-acetylcysteine: a treatment window",
        "NAC supplies cysteine for glutathione synthesis. Given early it restores glutathione "
        "before adducts reach the injurious level and before stress passes its point of no "
        "return; given late it restores glutathione but cannot stop the necrosis already "
        "committed. Two clinical regimens: 21 h intravenous and 72 h oral.",
        ("nac", "glutathione", "mito_stress"),
        ("nac_glutathione_gain", "nac_ec50", "nac_half_life", "nac_volume", "nac_oral_fraction",
         "stress_glutathione_protection"),
        "Smilkstein et al. 1988; Olsson et al. 1988",
        "livermodel compare human-apap-nac-4h human-apap-nac-16h --control human-apap-overdose"),
    Mechanism(
        "galactosamine", "D-galactosamine: uridine depletion and sensitisation to endotoxin",
        "D-galactosamine is phosphorylated and trapped in hepatocytes as UDP-hexosamines, which "
        "empties their uridine nucleotides and stops transcription. Arrested cells cannot "
        "repair injury and are sensitised to inflammation (TNF): a small endotoxin load that a "
        "normal liver tolerates becomes lethal, and after a large dose alone the few cells that "
        "die start an inflammation that feeds on itself. The trapping saturates, so a large "
        "dose holds the arrest for many hours; 200 mg/kg passes without necrosis, 400 mg/kg "
        "injures and recovers, 1.4 g/kg kills after two days in the rat.",
        ("galactosamine", "uridine_deficit", "transcriptional_arrest", "galactosamine_injury"),
        ("galactosamine_half_life", "uridine_depletion_rate", "uridine_depletion_half",
         "uridine_recovery_rate", "galactosamine_injury_rate", "galactosamine_injury_half",
         "galactosamine_sensitisation"),
        "Keppler et al. 1970; Farber et al. 1973; Galanos et al. 1979",
        "livermodel run fulminant"),
)
# fmt: on
