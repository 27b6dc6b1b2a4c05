package dev.hyperweave.ptxvm;

/** One decoded PTX instruction: everything the executor needs, resolved once at load time. */
final class Insn {
    enum Op {
        MOV, LD, ST, CVTA, CVT, ADD, SUB, MUL, MAD, FMA, DIV, REM, ABS, NEG, MIN, MAX, AND, OR, XOR, NOT, CNOT, SHL, SHR,
        BFE, BFI, POPC, CLZ, BREV, BFIND, COPYSIGN, TESTP, SETP, SELP, PRMT, RCP, SQRT, RSQRT, EX2, LG2, SIN, COS, TANH,
        BRA, RET, EXIT, BAR, MEMBAR, SHFL, VOTE, ACTIVEMASK, ATOM, RED
    }

    /** Instruction classes counted per launch. */
    enum Kind { MEMORY, ARITHMETIC, SPECIAL, CONTROL, SYNC }

    enum Space { GENERIC, GLOBAL, SHARED, LOCAL, PARAM, CONST }

    // Rounding: RN is the default for floats; the *I forms round floats to integers.
    static final int RN = 0, RZ = 1, RM = 2, RP = 3, RNI = 4, RZI = 5, RMI = 6, RPI = 7;

    final Op op;
    final Kind kind;
    final int line;
    final String text;

    int guard = -1;      // predicate register, or -1
    boolean guardNeg;
    PtxType type, type2; // main type; cvt's source type
    Space space = Space.GENERIC;
    int vec = 1;         // .v2 / .v4
    int rounding = -1;   // -1: not given
    boolean ftz, sat, approx, hi, wide;
    boolean cc;          // .cc: writes the carry flag CC.CF (add.cc, sub.cc, mad.cc and the addc/subc/madc forms)
    boolean carryIn;     // addc, subc, madc: read CC.CF
    String mode;         // setp comparison, atom operation, shfl/vote mode, testp property, bfind .shiftamt
    String boolOp;       // setp's .and/.or/.xor
    Opd[] ops;

    Insn(Op op, int line, String text) {
        this.op = op;
        this.line = line;
        this.text = text;
        this.kind = switch (op) {
            case LD, ST, CVTA, ATOM, RED -> Kind.MEMORY;
            case RCP, SQRT, RSQRT, EX2, LG2, SIN, COS, TANH -> Kind.SPECIAL;
            case BRA, RET, EXIT -> Kind.CONTROL;
            case BAR, MEMBAR, SHFL, VOTE, ACTIVEMASK -> Kind.SYNC;
            default -> Kind.ARITHMETIC;
        };
    }

    /** A decoded operand. */
    static final class Opd {
        static final int REG = 0, IMM = 1, SREG = 2, ADDR = 3, VEC = 4, LABEL = 5, SYM = 6, SINK = 7, PAIR = 8;

        int kind;
        int reg = -1;        // REG; ADDR base register (or -1); PAIR: first destination, -1 for '_'
        int reg2 = -1;       // PAIR: second destination, -1 for '_'
        boolean neg;         // !%p
        long imm;            // IMM bits (typed at decode); ADDR offset
        int sreg, comp;      // SREG id and component (x=0, y=1, z=2)
        Opd[] elems;         // VEC: registers, immediates or '_' sinks
        PtxModule.Symbol sym; // SYM, or ADDR's symbol base
        int target = -1;     // LABEL: instruction index
        String name;         // LABEL / symbol name before resolution
    }
}
