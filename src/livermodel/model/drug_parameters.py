"""The acetaminophen, N-acetylcysteine and D-galactosamine rows of the parameter table.

Spliced into :data:`livermodel.model.parameters.PARAMETERS` in this place of the table; see
docs/model.md, section "Acetaminophen, N-acetylcysteine and D-galactosamine".
"""

from __future__ import annotations

import math

from livermodel.model.parameter_row import Parameter, _p

# Tables: one entry per row reads better than one argument per line.
# fmt: off
DRUG_PARAMETERS: tuple[Parameter, ...] = (
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
    _p("galactosamine_half_life", 0.65, "h", (0.2, 3.0), "galactosamine",
       "Half-life of a small D-galactosamine load (below the uridine-trapping half-saturation). "
       "Galactosamine is removed by the hepatic phosphorylation that traps uridine, so its "
       "clearance saturates with the trapping: a load D is removed at "
       "ln2/t_half * K * D/(D + K) (K = uridine_depletion_half), about 32 mg/kg/h at the "
       "defaults, and the arrest lasts roughly dose / 32 mg/kg/h.",
       "assumption (calibrated with the uridine parameters to the rat dose thresholds: no "
       "necrosis at 200 mg/kg, necrosis at 400 mg/kg, Farber et al. 1973, Am J Pathol 72:53; "
       "all alive at 48 h after 1.1 g/kg, Med Sci Monit 2015;21:1469, doi:10.12659/MSM.893291; "
       "lethal doses kill within 72 h, O'Neill et al. 1984, J Surg Res 36:371, "
       "doi:10.1016/0022-4804(84)90113-6)",
       limits=(0.01, 1e3)),
    _p("uridine_depletion_rate", 12.0, "1/h", (2.0, 30.0), "galactosamine",
       "Maximal rate at which D-galactosamine traps uridine nucleotides (UTP depletion) in "
       "hepatocytes.", "assumption; uridine phosphates fall below 10 % of normal within 3 h "
       "(Keppler et al. 1970, Eur J Biochem 17:246, doi:10.1111/j.1432-1033.1970.tb01160.x)"),
    _p("uridine_depletion_half", 30.0, "mg/kg", (10.0, 200.0), "galactosamine",
       "D-galactosamine load at which uridine trapping, and with it galactosamine clearance, "
       "is half-maximal.", "assumption", limits=(1e-6, math.inf)),
    _p("uridine_recovery_rate", 0.33, "1/h", (0.1, 1.0), "galactosamine",
       "Rate at which hepatocytes restore their uridine nucleotides once galactosamine no "
       "longer traps them.", "assumption", scaled=True),
    _p("galactosamine_injury_rate", 0.0012, "1/h", (0.0005, 0.01), "galactosamine",
       "Injury rate of functional hepatocytes under full transcriptional arrest, before any "
       "inflammation: small, but the dead cells start the inflammation that the arrest "
       "sensitises to (see galactosamine_sensitisation).",
       "assumption (calibrated with the other galactosamine parameters; see "
       "galactosamine_half_life)", scaled=True),
    _p("galactosamine_injury_half", 0.055, "1", (0.02, 0.2), "galactosamine",
       "Uridine nucleotides left (fraction of normal) at which the transcriptional arrest of "
       "D-galactosamine is half-maximal (Hill, n = 4).",
       "assumption; uridine phosphates fall below 10 % of normal within 3 h of a necrogenic "
       "dose (Keppler et al. 1970, Eur J Biochem 17:246)", limits=(1e-3, 1.0)),
    _p("galactosamine_sensitisation", 45.0, "1", (10.0, 150.0), "galactosamine",
       "Factor by which full transcriptional arrest multiplies the inflammatory (TNF-driven) "
       "injury of hepatocytes: D-galactosamine blocks the survival genes that TNF induces, "
       "so an endotoxin load that healthy liver tolerates becomes lethal.",
       "assumption; D-galactosamine raises the lethal effect of endotoxin many thousandfold "
       "(Galanos et al. 1979, PNAS 76:5939, doi:10.1073/pnas.76.11.5939)",
       limits=(0.0, math.inf)),
)
# fmt: on
