namespace PeaKd.Samples.Students;

// Plain k-layer students (the Patient-KD baselines). None declares a [PatientMap]: the runtime's rule (teacher
// layers spaced evenly) gives PEA-KD.md's table for a 12-layer teacher and adapts to other teachers.

/// <summary>BERT1: one layer, no intermediate matching.</summary>
[Student(1)]
public partial class Bert1;

[Student(2)]
public partial class Bert2;

[Student(3)]
public partial class Bert3;

[Student(6)]
public partial class Bert6;
