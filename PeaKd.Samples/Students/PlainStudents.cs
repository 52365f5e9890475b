namespace PeaKd.Samples.Students;

// Plain k-layer students (the Patient-KD baselines). PatientMap: the teacher layer matched by effective
// layers 0, 1, ...; the last layer is left to the logit loss (PEA-KD.md, "Teacher-to-student layer map").

/// <summary>BERT1: one layer, no intermediate matching.</summary>
[Student(1)]
public partial class Bert1;

[Student(2)]
[PatientMap(5)]
public partial class Bert2;

[Student(3)]
[PatientMap(3, 7)]
public partial class Bert3;

[Student(6)]
[PatientMap(1, 3, 5, 7, 9)]
public partial class Bert6;
