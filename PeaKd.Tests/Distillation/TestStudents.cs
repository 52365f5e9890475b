namespace PeaKd.Tests.Distillation;

/// <summary>Students for the pipeline tests, declared with the DSL like a user would.</summary>
[Student(1), Sps]
public partial class TinyPeaBert;

[Student(1)]
public partial class TinyBert;
