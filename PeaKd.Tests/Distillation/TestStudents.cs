namespace PeaKd.Tests.Distillation;

/// <summary>Students for the pipeline tests, declared with the DSL like a user would.</summary>
[Student(1), Sps]
public partial class TinyPeaBert;

[Student(1)]
public partial class TinyBert;

/// <summary>A patient map written for a deeper teacher than the tests' 2-layer one (refused before the run).</summary>
[Student(1), Sps, PatientMap(5)]
public partial class TinyPeaBertDeepMap;
