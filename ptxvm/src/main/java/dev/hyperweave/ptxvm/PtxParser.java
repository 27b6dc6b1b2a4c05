package dev.hyperweave.ptxvm;

import dev.hyperweave.ptxvm.Insn.Op;
import dev.hyperweave.ptxvm.Insn.Opd;
import dev.hyperweave.ptxvm.Insn.Space;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses and decodes PTX text once, at load time. Anything it does not know (an instruction, a
 * modifier, a directive, an undefined register or label) is refused with its text and line number:
 * the VM never skips or guesses.
 */
final class PtxParser {
    private record Stmt(String text, int line) {}

    private final String source;
    private final PtxModule module = new PtxModule();
    private final Map<String, PtxModule.Symbol> moduleShared = new HashMap<>();
    private long moduleSharedBytes;

    private PtxParser(String source) {
        this.source = source;
    }

    static PtxModule parse(String ptx) {
        PtxParser p = new PtxParser(ptx);
        try {
            p.run();
        } catch (RuntimeException e) {
            p.module.close();
            throw e;
        }
        return p.module;
    }

    private static PtxVmException error(int line, String message) {
        return new PtxVmException(KernelRunnerException.CUDA_ERROR_INVALID_PTX, "line " + line + ": " + message);
    }

    // ---- statements ------------------------------------------------------------------------------

    /** Splits the text into statements: ';'-terminated, braces, labels, and line-ended directives. */
    private List<Stmt> statements() {
        List<Stmt> out = new ArrayList<>();
        StringBuilder buf = new StringBuilder();
        int line = 1, start = 1, inner = 0; // inner: depth of {} and [] inside an instruction
        String s = source;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') i++;
                i--;
                continue;
            }
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                if (end < 0) throw error(line, "unterminated comment");
                for (int j = i; j < end; j++) if (s.charAt(j) == '\n') line++;
                i = end + 1;
                continue;
            }
            String t = buf.toString().trim();
            if (c == '\n') {
                if (t.startsWith(".version") || t.startsWith(".target") || t.startsWith(".address_size")) {
                    out.add(new Stmt(t, start));
                    buf.setLength(0);
                }
                line++;
                buf.append(' ');
                continue;
            }
            if (t.isEmpty()) start = line;
            if ((c == '{' || c == '}') && inner == 0 && (t.isEmpty() || isHeader(t))) {
                if (!t.isEmpty()) out.add(new Stmt(t, start));
                out.add(new Stmt(String.valueOf(c), line));
                buf.setLength(0);
                continue;
            }
            if (c == '{' || c == '[') inner++;
            if (c == '}' || c == ']') inner--;
            if (c == ';' && inner == 0) {
                if (!t.isEmpty()) out.add(new Stmt(t, start));
                buf.setLength(0);
                continue;
            }
            if (c == ':' && inner == 0 && t.matches("[A-Za-z_$%][\\w$]*") ) {
                out.add(new Stmt(t + ":", start));
                buf.setLength(0);
                continue;
            }
            buf.append(c);
        }
        String t = buf.toString().trim();
        if (!t.isEmpty()) {
            if (t.startsWith(".version") || t.startsWith(".target") || t.startsWith(".address_size")) out.add(new Stmt(t, start));
            else throw error(start, "statement without ';': " + t);
        }
        return out;
    }

    private static boolean isHeader(String t) {
        return t.startsWith(".visible") || t.startsWith(".entry") || t.startsWith(".weak") || t.startsWith(".func")
                || t.startsWith(".extern .func");
    }

    private void run() {
        List<Stmt> st = statements();
        for (int i = 0; i < st.size(); i++) {
            Stmt s = st.get(i);
            String t = s.text();
            if (t.startsWith(".version") || t.startsWith(".target") || t.startsWith(".address_size")) {
                if (t.startsWith(".address_size") && !t.endsWith("64")) throw error(s.line(), "only .address_size 64 is supported");
                continue;
            }
            if (t.contains(".func")) throw error(s.line(), "device functions (.func) are not supported by the VM: " + t);
            if (t.contains(".entry")) {
                i = kernel(st, i);
                continue;
            }
            if (t.startsWith(".global") || t.startsWith(".const") || t.startsWith(".shared") || t.startsWith(".extern .shared")
                    || t.startsWith(".visible .global") || t.startsWith(".visible .const") || t.startsWith(".visible .shared")) {
                moduleVariable(s);
                continue;
            }
            throw error(s.line(), "unknown module-level statement: " + t);
        }
    }

    // ---- variables -------------------------------------------------------------------------------

    /** A declared variable; {@code init} is the text after '=' (module .global/.const only), or null. */
    private record VarDecl(String name, PtxType type, long count, long size, int align, boolean unsized, String init) {}

    /** ".align A .type name[N][M] = init" or ".type name" (space keywords already removed). */
    private static VarDecl varDecl(String decl, int line) {
        String init = null;
        int eq = decl.indexOf('=');
        if (eq >= 0) {
            init = decl.substring(eq + 1).trim();
            decl = decl.substring(0, eq);
        }
        String[] tok = decl.trim().split("\\s+");
        int align = 0;
        PtxType type = null;
        String nameTok = null;
        for (int i = 0; i < tok.length; i++) {
            if (tok[i].equals(".align")) align = Integer.parseInt(tok[++i]);
            else if (tok[i].startsWith(".") && PtxType.of(tok[i].substring(1)) != null) type = PtxType.of(tok[i].substring(1));
            else if (tok[i].startsWith(".v")) throw error(line, "vector-typed variables are not supported: " + decl);
            else if (tok[i].startsWith(".")) throw error(line, "unknown variable modifier " + tok[i] + " in: " + decl);
            else if (nameTok == null) nameTok = tok[i];
            else throw error(line, "cannot read the variable declaration: " + decl);
        }
        if (type == null || nameTok == null) throw error(line, "cannot read the variable declaration: " + decl);
        long count = 1;
        boolean unsized = false;
        String name = nameTok;
        int b = nameTok.indexOf('[');
        if (b >= 0) {
            name = nameTok.substring(0, b);
            String dims = nameTok.substring(b);
            if (!dims.matches("(\\[\\d*\\])+")) throw error(line, "cannot read the array dimensions of: " + decl);
            String[] ns = dims.substring(1, dims.length() - 1).split("\\]\\[", -1);
            for (int k = 0; k < ns.length; k++) {
                if (ns[k].isEmpty() && k > 0) throw error(line, "only the first array dimension may be left out: " + decl);
                if (ns[k].isEmpty()) unsized = true;
                else count *= Long.parseLong(ns[k]);
            }
            if (init != null && ns.length > 1) throw error(line, "initialisers of multi-dimensional arrays are not supported: " + decl);
        }
        if (unsized && init != null) count = init.startsWith("{") ? splitTop(init.substring(1, init.length() - 1)).size() : 1;
        if (align == 0) align = type.bytes();
        return new VarDecl(name, type, count, count * type.bytes(), align, unsized && init == null, init);
    }

    /** A declaration that may not have an initialiser (PTX initialises only .global and .const variables). */
    private static VarDecl uninitialised(String decl, int line) {
        VarDecl d = varDecl(decl, line);
        if (d.init() != null) throw error(line, "only .global and .const variables may have an initialiser: " + decl);
        return d;
    }

    private void moduleVariable(Stmt s) {
        String t = s.text().replace(".visible", "").replace(".extern", "").trim();
        if (t.startsWith(".shared")) {
            VarDecl d = uninitialised(t.substring(7), s.line());
            if (d.unsized()) { // dynamic shared memory: placed after each kernel's static shared memory
                moduleDynamicShared.add(d);
                return;
            }
            PtxModule.Symbol sym = new PtxModule.Symbol(d.name(), Space.SHARED, d.size(), d.align());
            moduleSharedBytes = align(moduleSharedBytes, d.align());
            sym.offset = moduleSharedBytes;
            moduleSharedBytes += d.size();
            moduleShared.put(d.name(), sym);
            return;
        }
        Space space = t.startsWith(".const") ? Space.CONST : Space.GLOBAL;
        VarDecl d = varDecl(t.replaceFirst("^\\.(global|const)", ""), s.line());
        MemorySegment seg = module.globals.allocate(Math.max(1, d.size()), Math.max(1, d.align())); // zeroed, as PTX requires
        if (d.init() != null) initialise(seg, d, s);
        module.globalVars.put(d.name(), seg);
        PtxModule.Symbol sym = new PtxModule.Symbol(d.name(), space, d.size(), d.align());
        sym.offset = seg.address();
        globalSymbols.put(d.name(), sym);
    }

    /**
     * Writes a .global/.const initialiser: a scalar or a {list} (elements left out stay zero, PTX ISA
     * 5.4.4). An element is a constant or the address of a .global/.const variable (name, name+offset,
     * generic(name)+offset: the VM's global and generic addresses are the same).
     */
    private void initialise(MemorySegment seg, VarDecl d, Stmt s) {
        String init = d.init();
        List<String> values = init.startsWith("{") && init.endsWith("}") ? splitTop(init.substring(1, init.length() - 1)) : List.of(init);
        if (values.size() > d.count()) throw error(s.line(), "more initial values than elements in: " + s.text());
        int size = d.type().bytes();
        for (int k = 0; k < values.size(); k++) {
            long v = initialValue(values.get(k), d.type(), s);
            Executor.write(seg, (long) k * size, size, v);
        }
    }

    /** name, name+offset, generic(name), generic(name)+offset. */
    private static final java.util.regex.Pattern ADDRESS_INIT = java.util.regex.Pattern.compile(
            "(?:generic\\(\\s*([A-Za-z_$][\\w$]*)\\s*\\)|([A-Za-z_$][\\w$]*))\\s*(?:\\+\\s*(\\w+))?");

    private long initialValue(String v, PtxType type, Stmt s) {
        java.util.regex.Matcher m = ADDRESS_INIT.matcher(v);
        if (m.matches()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            PtxModule.Symbol sym = globalSymbols.get(name);
            if (sym == null) {
                throw error(s.line(), "initialiser names " + name + ", which is not a .global or .const variable declared before it: " + s.text());
            }
            if (type.bits != 64) throw error(s.line(), "the VM's variable addresses need a 64-bit variable to hold them: " + s.text());
            return sym.offset + (m.group(3) == null ? 0 : parseInt(m.group(3), s.line(), s.text()));
        }
        if (type == PtxType.F16) return Float.floatToFloat16(Float.intBitsToFloat((int) immediate(v, PtxType.F32, s.line(), s.text())));
        return immediate(v, type, s.line(), s.text());
    }

    private final Map<String, PtxModule.Symbol> globalSymbols = new HashMap<>();
    private final List<VarDecl> moduleDynamicShared = new ArrayList<>();

    private static long align(long v, int a) {
        return a <= 1 ? v : (v + a - 1) / a * a;
    }

    // ---- kernels ---------------------------------------------------------------------------------

    private Map<String, Integer> regs;
    private List<Integer> regBits; // declared width of each register, by index
    private Map<String, PtxModule.Symbol> symbols;
    private Map<String, Integer> labels;

    private int kernel(List<Stmt> st, int i) {
        Stmt head = st.get(i);
        String h = head.text();
        int open = h.indexOf('('), close = h.lastIndexOf(')');
        String name = (open < 0 ? h.substring(h.indexOf(".entry") + 6) : h.substring(h.indexOf(".entry") + 6, open)).trim();
        regs = new HashMap<>();
        regBits = new ArrayList<>();
        symbols = new HashMap<>(moduleShared);
        symbols.putAll(globalSymbols);
        labels = new HashMap<>();
        List<PtxModule.Symbol> params = new ArrayList<>();
        int paramBytes = 0;
        if (open >= 0) {
            if (close < open) throw error(head.line(), "unclosed parameter list: " + h);
            for (String p : splitTop(h.substring(open + 1, close))) {
                if (p.isBlank()) continue;
                p = p.trim();
                if (!p.startsWith(".param")) throw error(head.line(), "not a .param: " + p);
                VarDecl d = uninitialised(p.substring(6).replace(".ptr", "").replace(".global", ""), head.line());
                PtxModule.Symbol sym = new PtxModule.Symbol(d.name(), Space.PARAM, d.size(), d.align());
                paramBytes = (int) align(paramBytes, d.align());
                sym.offset = paramBytes;
                paramBytes += (int) d.size();
                params.add(sym);
                symbols.put(d.name(), sym);
            }
        }
        if (i + 1 >= st.size() || !st.get(i + 1).text().equals("{")) throw error(head.line(), "expected '{' after " + h);
        i += 2;
        int depth = 1;
        long shared = moduleSharedBytes, local = 0;
        boolean dynamic = false;
        List<Stmt> body = new ArrayList<>();
        List<PtxModule.Symbol> dynamicSyms = new ArrayList<>();
        for (VarDecl d : moduleDynamicShared) {
            PtxModule.Symbol sym = new PtxModule.Symbol(d.name(), Space.SHARED, 0, d.align());
            dynamicSyms.add(sym);
            symbols.put(d.name(), sym);
            dynamic = true;
        }
        for (; i < st.size(); i++) {
            Stmt s = st.get(i);
            String t = s.text();
            if (t.equals("{")) {
                depth++;
                continue;
            }
            if (t.equals("}")) {
                if (--depth == 0) break;
                continue;
            }
            if (t.startsWith(".reg")) {
                declareRegisters(s);
            } else if (t.startsWith(".shared") || t.startsWith(".extern .shared")) {
                VarDecl d = uninitialised(t.replace(".extern", "").trim().substring(7), s.line());
                PtxModule.Symbol sym = new PtxModule.Symbol(d.name(), Space.SHARED, d.size(), d.align());
                if (d.unsized()) {
                    dynamic = true;
                    dynamicSyms.add(sym);
                } else {
                    shared = align(shared, d.align());
                    sym.offset = shared;
                    shared += d.size();
                }
                symbols.put(d.name(), sym);
            } else if (t.startsWith(".local")) {
                VarDecl d = uninitialised(t.substring(6), s.line());
                PtxModule.Symbol sym = new PtxModule.Symbol(d.name(), Space.LOCAL, d.size(), d.align());
                local = align(local, d.align());
                sym.offset = local;
                local += d.size();
                symbols.put(d.name(), sym);
            } else if (t.startsWith(".pragma") || t.startsWith(".loc") || t.startsWith(".file")) {
                // hints and debug info: nothing to execute
            } else if (t.endsWith(":")) {
                String label = t.substring(0, t.length() - 1);
                if (labels.containsKey(label)) throw error(s.line(), "label " + label + " defined twice");
                labels.put(label, body.size());
            } else if (t.startsWith(".")) {
                throw error(s.line(), "unknown directive in " + name + ": " + t);
            } else {
                body.add(s);
            }
        }
        if (depth != 0) throw error(head.line(), "kernel " + name + " has no closing '}'");
        for (PtxModule.Symbol d : dynamicSyms) d.offset = align(shared, 16);
        Insn[] code = new Insn[body.size()];
        for (int k = 0; k < code.length; k++) code[k] = decode(body.get(k));
        // Every path ends: a kernel that falls off its end behaves as if it returned.
        Insn[] withRet = java.util.Arrays.copyOf(code, code.length + 1);
        withRet[code.length] = new Insn(Op.RET, st.get(Math.min(i, st.size() - 1)).line(), "ret (end of kernel)");
        withRet[code.length].ops = new Opd[0];
        int[] widths = regBits.stream().mapToInt(Integer::intValue).toArray();
        module.kernels.put(name, new PtxModule.Kernel(name, params, paramBytes, widths, withRet, align(shared, 16), local, dynamic));
        return i;
    }

    private void declareRegisters(Stmt s) {
        String t = s.text().substring(4).trim();
        String[] parts = t.split("\\s+", 2);
        PtxType type = parts.length < 2 ? null : PtxType.of(parts[0].substring(1));
        if (type == null) throw error(s.line(), "cannot read the register declaration: " + s.text());
        for (String r : parts[1].split(",")) {
            r = r.trim();
            int lt = r.indexOf('<');
            if (lt >= 0) {
                String base = r.substring(0, lt);
                int n = Integer.parseInt(r.substring(lt + 1, r.indexOf('>')));
                for (int k = 0; k < n; k++) declareRegister(base + k, type);
            } else {
                declareRegister(r, type);
            }
        }
    }

    private void declareRegister(String name, PtxType type) {
        if (regs.containsKey(name)) return;
        regs.put(name, regs.size());
        regBits.add(type.bits);
    }

    /** Splits on commas outside {}, [] and (). */
    private static List<String> splitTop(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0, from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' || c == '[' || c == '(') depth++;
            else if (c == '}' || c == ']' || c == ')') depth--;
            else if (c == ',' && depth == 0) {
                out.add(s.substring(from, i).trim());
                from = i + 1;
            }
        }
        if (from < s.length() || !out.isEmpty()) out.add(s.substring(from).trim());
        return out;
    }

    // ---- instructions ----------------------------------------------------------------------------

    private static final Set<String> IGNORED = Set.of("sync", "aligned", "nc", "volatile", "relaxed", "acquire", "release",
            "acq_rel", "sc", "gpu", "cta", "sys", "gl", "ca", "cg", "cs", "lu", "cv", "wb", "wt", "full", "weak", "uni");

    private Insn decode(Stmt s) {
        String t = s.text();
        int guard = -1;
        boolean guardNeg = false;
        if (t.startsWith("@")) {
            int sp = t.indexOf(' ');
            if (sp < 0) throw error(s.line(), "a guard without an instruction: " + t);
            String g = t.substring(1, sp);
            guardNeg = g.startsWith("!");
            guard = reg(g.substring(guardNeg ? 1 : 0), s.line(), t);
            t = t.substring(sp + 1).trim();
        }
        String opcode = t.split("\\s+", 2)[0];
        String rest = t.length() > opcode.length() ? t.substring(opcode.length()).trim() : "";
        String[] parts = opcode.split("\\.");
        Op op = switch (parts[0]) {
            case "mov" -> Op.MOV;
            case "ld" -> Op.LD;
            case "st" -> Op.ST;
            case "cvta" -> Op.CVTA;
            case "cvt" -> Op.CVT;
            case "add", "addc" -> Op.ADD;
            case "sub", "subc" -> Op.SUB;
            case "mul" -> Op.MUL;
            case "mad", "madc" -> Op.MAD;
            case "fma" -> Op.FMA;
            case "div" -> Op.DIV;
            case "rem" -> Op.REM;
            case "abs" -> Op.ABS;
            case "neg" -> Op.NEG;
            case "min" -> Op.MIN;
            case "max" -> Op.MAX;
            case "and" -> Op.AND;
            case "or" -> Op.OR;
            case "xor" -> Op.XOR;
            case "not" -> Op.NOT;
            case "cnot" -> Op.CNOT;
            case "shl" -> Op.SHL;
            case "shr" -> Op.SHR;
            case "bfe" -> Op.BFE;
            case "bfi" -> Op.BFI;
            case "popc" -> Op.POPC;
            case "clz" -> Op.CLZ;
            case "brev" -> Op.BREV;
            case "bfind" -> Op.BFIND;
            case "copysign" -> Op.COPYSIGN;
            case "testp" -> Op.TESTP;
            case "setp" -> Op.SETP;
            case "selp" -> Op.SELP;
            case "prmt" -> Op.PRMT;
            case "rcp" -> Op.RCP;
            case "sqrt" -> Op.SQRT;
            case "rsqrt" -> Op.RSQRT;
            case "ex2" -> Op.EX2;
            case "lg2" -> Op.LG2;
            case "sin" -> Op.SIN;
            case "cos" -> Op.COS;
            case "tanh" -> Op.TANH;
            case "bra" -> Op.BRA;
            case "ret" -> Op.RET;
            case "exit" -> Op.EXIT;
            case "bar", "barrier" -> Op.BAR;
            case "membar", "fence" -> Op.MEMBAR;
            case "shfl" -> Op.SHFL;
            case "vote" -> Op.VOTE;
            case "activemask" -> Op.ACTIVEMASK;
            case "atom" -> Op.ATOM;
            case "red" -> Op.RED;
            default -> throw error(s.line(), "unknown instruction '" + opcode + "' in: " + s.text());
        };
        Insn in = new Insn(op, s.line(), s.text());
        in.guard = guard;
        in.guardNeg = guardNeg;
        in.carryIn = Set.of("addc", "subc", "madc").contains(parts[0]); // add, sub or mad with the carry flag CC.CF added in
        List<PtxType> types = new ArrayList<>();
        for (int k = 1; k < parts.length; k++) {
            String m = parts[k].toLowerCase(Locale.ROOT);
            if (m.contains("::")) m = m.substring(0, m.indexOf("::"));
            PtxType ty = PtxType.of(m);
            if (ty != null) {
                types.add(ty);
                continue;
            }
            if (modifier(in, m)) continue;
            throw error(s.line(), "unknown modifier ." + parts[k] + " of " + parts[0] + " in: " + s.text());
        }
        if (!types.isEmpty()) in.type = types.get(0);
        if (types.size() > 1) in.type2 = types.get(1);
        if (op == Op.BAR && in.mode == null) in.mode = "sync";
        List<String> ops = rest.isEmpty() ? List.of() : splitTop(rest);
        in.ops = new Opd[ops.size()];
        for (int k = 0; k < ops.size(); k++) in.ops[k] = operand(ops.get(k), in, k, s.line());
        check(in, s.line());
        return in;
    }

    /** Applies one non-type modifier; false if the instruction does not know it. */
    private static boolean modifier(Insn in, String m) {
        switch (in.op) {
            case SETP -> {
                if (Set.of("eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs", "equ", "neu", "ltu", "leu", "gtu", "geu",
                        "num", "nan").contains(m)) {
                    in.mode = m;
                    return true;
                }
                if (Set.of("and", "or", "xor").contains(m)) {
                    in.boolOp = m;
                    return true;
                }
            }
            case ATOM, RED -> {
                if (Set.of("add", "min", "max", "exch", "cas", "and", "or", "xor", "inc", "dec").contains(m)) {
                    in.mode = m;
                    return true;
                }
            }
            case SHFL -> {
                if (Set.of("up", "down", "bfly", "idx").contains(m)) {
                    in.mode = m;
                    return true;
                }
            }
            case VOTE -> {
                if (Set.of("all", "any", "uni", "ballot").contains(m)) {
                    in.mode = m;
                    return true;
                }
            }
            case TESTP -> {
                if (Set.of("finite", "infinite", "number", "notanumber", "normal", "subnormal").contains(m)) {
                    in.mode = m;
                    return true;
                }
            }
            case BAR -> {
                if (m.equals("sync") || m.equals("arrive") || m.equals("red")) {
                    if (!m.equals("sync")) return false;
                    in.mode = m;
                    return true;
                }
            }
            case BFIND -> {
                if (m.equals("shiftamt")) {
                    in.mode = m;
                    return true;
                }
            }
            case ADD, SUB, MAD -> {
                if (m.equals("cc")) {
                    in.cc = true;
                    return true;
                }
            }
            case MIN, MAX -> {
                if (m.equals("nan")) {
                    in.mode = "nan";
                    return true;
                }
            }
            default -> { }
        }
        switch (m) {
            case "global" -> in.space = Space.GLOBAL;
            case "shared" -> in.space = Space.SHARED;
            case "local" -> in.space = Space.LOCAL;
            case "param" -> in.space = Space.PARAM;
            case "const" -> in.space = Space.CONST;
            case "to" -> in.mode = "to";
            case "rn" -> in.rounding = Insn.RN;
            case "rz" -> in.rounding = Insn.RZ;
            case "rm" -> in.rounding = Insn.RM;
            case "rp" -> in.rounding = Insn.RP;
            case "rni" -> in.rounding = Insn.RNI;
            case "rzi" -> in.rounding = Insn.RZI;
            case "rmi" -> in.rounding = Insn.RMI;
            case "rpi" -> in.rounding = Insn.RPI;
            case "ftz" -> in.ftz = true;
            case "sat" -> in.sat = true;
            case "approx" -> in.approx = true;
            case "lo" -> in.hi = false;
            case "hi" -> in.hi = true;
            case "wide" -> in.wide = true;
            case "v2" -> in.vec = 2;
            case "v4" -> in.vec = 4;
            default -> {
                return IGNORED.contains(m);
            }
        }
        return true;
    }

    private int reg(String name, int line, String text) {
        Integer r = regs.get(name);
        if (r == null) throw error(line, "undefined register " + name + " in: " + text);
        return r;
    }

    private static final Map<String, Integer> SREGS = Map.ofEntries(Map.entry("%tid", 0), Map.entry("%ntid", 1), Map.entry("%ctaid", 2),
            Map.entry("%nctaid", 3), Map.entry("%laneid", 4), Map.entry("%warpid", 5), Map.entry("%clock", 6), Map.entry("%clock64", 7),
            Map.entry("%nwarpid", 8), Map.entry("%lanemask_lt", 9), Map.entry("%lanemask_le", 10), Map.entry("%lanemask_eq", 11),
            Map.entry("%lanemask_ge", 12), Map.entry("%lanemask_gt", 13));

    private Opd operand(String s, Insn in, int pos, int line) {
        Opd o = new Opd();
        s = s.trim();
        if (s.equals("_")) {
            o.kind = Opd.SINK;
            return o;
        }
        if (s.startsWith("{")) { // elements: registers, '_' or (as sources) immediates
            String[] es = s.substring(1, s.length() - 1).split(",");
            o.kind = Opd.VEC;
            o.elems = new Opd[es.length];
            for (int k = 0; k < es.length; k++) {
                o.elems[k] = operand(es[k], in, pos, line);
                int kind = o.elems[k].kind;
                if (kind != Opd.REG && kind != Opd.IMM && kind != Opd.SINK || o.elems[k].neg) {
                    throw error(line, "a vector element must be a register, an immediate or '_': " + es[k].trim() + " in: " + in.text);
                }
            }
            return o;
        }
        int bar = s.indexOf('|');
        if (bar >= 0) { // "p|q": the two destinations of setp and shfl; '_' discards either
            String first = s.substring(0, bar).trim(), second = s.substring(bar + 1).trim();
            o.kind = Opd.PAIR;
            o.reg = first.equals("_") ? -1 : reg(first, line, in.text);
            o.reg2 = second.equals("_") ? -1 : reg(second, line, in.text);
            return o;
        }
        if (s.startsWith("[")) {
            o.kind = Opd.ADDR;
            String a = s.substring(1, s.length() - 1).replace(" ", "");
            int plus = a.indexOf('+', 1);
            String base = plus < 0 ? a : a.substring(0, plus);
            if (plus >= 0) o.imm = parseInt(a.substring(plus + 1), line, in.text);
            if (base.startsWith("%")) o.reg = reg(base, line, in.text);
            else if (Character.isDigit(base.charAt(0)) || base.startsWith("-")) o.imm += parseInt(base, line, in.text);
            else {
                o.sym = symbols.get(base);
                if (o.sym == null) throw error(line, "undefined variable " + base + " in: " + in.text);
            }
            return o;
        }
        if (s.startsWith("!")) {
            o.kind = Opd.REG;
            o.neg = true;
            o.reg = reg(s.substring(1), line, in.text);
            return o;
        }
        if (s.startsWith("%")) {
            if (regs.containsKey(s)) {
                o.kind = Opd.REG;
                o.reg = regs.get(s);
                return o;
            }
            int dot = s.indexOf('.');
            String base = dot < 0 ? s : s.substring(0, dot);
            Integer id = SREGS.get(base);
            if (id == null) throw error(line, "undefined register " + s + " in: " + in.text);
            o.kind = Opd.SREG;
            o.sreg = id;
            if (dot >= 0) {
                o.comp = switch (s.substring(dot + 1)) {
                    case "x" -> 0;
                    case "y" -> 1;
                    case "z" -> 2;
                    default -> throw error(line, "unknown component of " + s);
                };
            }
            return o;
        }
        char c0 = s.charAt(0);
        if (Character.isDigit(c0) || c0 == '-' || c0 == '+') {
            o.kind = Opd.IMM;
            o.imm = immediate(s, immediateType(in, pos), line, in.text);
            return o;
        }
        // An identifier: a label (branch target) or a variable whose address is taken.
        o.name = s;
        if (in.op == Op.BRA) {
            Integer target = labels.get(s);
            if (target == null) throw error(line, "undefined label " + s + " in: " + in.text);
            o.kind = Opd.LABEL;
            o.target = target;
            return o;
        }
        o.sym = symbols.get(s);
        if (o.sym == null) throw error(line, "undefined name " + s + " in: " + in.text);
        o.kind = Opd.SYM;
        return o;
    }

    private static PtxType immediateType(Insn in, int pos) {
        PtxType t = in.type == null ? PtxType.B32 : in.type;
        return switch (in.op) {
            case CVT -> pos == 0 ? t : in.type2;
            case SHL, SHR -> pos == 2 ? PtxType.U32 : t;
            case BFE -> pos >= 2 ? PtxType.U32 : t;
            case BFI -> pos >= 3 ? PtxType.U32 : t;
            case SHFL -> pos == 1 ? t : PtxType.U32;
            case BAR, VOTE -> PtxType.U32;
            default -> t;
        };
    }

    private static long parseInt(String s, int line, String text) {
        try {
            boolean neg = s.startsWith("-");
            String v = neg || s.startsWith("+") ? s.substring(1) : s;
            if (v.endsWith("U") || v.endsWith("u")) v = v.substring(0, v.length() - 1);
            long x;
            if (v.startsWith("0x") || v.startsWith("0X")) x = Long.parseUnsignedLong(v.substring(2), 16);
            else if (v.startsWith("0b") || v.startsWith("0B")) x = Long.parseUnsignedLong(v.substring(2), 2);
            else if (v.length() > 1 && v.startsWith("0") && v.chars().allMatch(Character::isDigit)) x = Long.parseUnsignedLong(v.substring(1), 8);
            else x = Long.parseUnsignedLong(v);
            return neg ? -x : x;
        } catch (NumberFormatException e) {
            throw error(line, "cannot read the number '" + s + "' in: " + text);
        }
    }

    /** The literal's bits for an operand of type {@code t}. */
    static long immediate(String s, PtxType t, int line, String text) {
        String v = s.startsWith("+") ? s.substring(1) : s;
        boolean neg = v.startsWith("-");
        String u = neg ? v.substring(1) : v;
        if (u.length() == 10 && (u.startsWith("0f") || u.startsWith("0F"))) {
            int bits = Integer.parseUnsignedInt(u.substring(2), 16);
            float f = Float.intBitsToFloat(bits);
            if (neg) f = -f;
            return t == PtxType.F64 ? Double.doubleToRawLongBits(f) : Float.floatToRawIntBits(f) & 0xffffffffL;
        }
        if (u.length() == 18 && (u.startsWith("0d") || u.startsWith("0D"))) {
            double d = Double.longBitsToDouble(Long.parseUnsignedLong(u.substring(2), 16));
            if (neg) d = -d;
            return t == PtxType.F32 ? Float.floatToRawIntBits((float) d) & 0xffffffffL : Double.doubleToRawLongBits(d);
        }
        boolean decimalFloat = !u.startsWith("0x") && !u.startsWith("0X") && (u.contains(".") || u.contains("e") || u.contains("E"));
        if (decimalFloat) {
            double d;
            try {
                d = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw error(line, "cannot read the number '" + s + "' in: " + text);
            }
            if (t == PtxType.F64) return Double.doubleToRawLongBits(d);
            return Float.floatToRawIntBits((float) d) & 0xffffffffL;
        }
        long x = parseInt(s, line, text);
        if (t == PtxType.F32) return Float.floatToRawIntBits((float) x) & 0xffffffffL;
        if (t == PtxType.F64) return Double.doubleToRawLongBits((double) x);
        return x;
    }

    /** Operand counts and required types, so the executor can trust its input. */
    private static void check(Insn in, int line) {
        int n = in.ops.length;
        boolean cas = "cas".equals(in.mode);
        boolean ok = switch (in.op) {
            case RET, EXIT, MEMBAR -> n == 0;
            case BRA, ACTIVEMASK -> n == 1;
            case BAR -> n == 1 || n == 2;
            case SETP -> n == (in.boolOp == null ? 3 : 4);
            case ATOM -> n == (cas ? 4 : 3);
            case RED -> n == (cas ? 3 : 2);
            case MAD, FMA, BFE, SELP, PRMT -> n == 4;
            case BFI, SHFL -> n == 5;
            case VOTE, ADD, SUB, MUL, DIV, REM, MIN, MAX, AND, OR, XOR, SHL, SHR, COPYSIGN -> n == 3;
            default -> n == 2; // mov, ld, st, cvt, cvta and the one-operand arithmetic
        };
        if (!ok) throw error(line, "wrong number of operands (" + n + ") for " + in.op.name().toLowerCase(Locale.ROOT) + ": " + in.text);
        int addressAt = switch (in.op) {
            case LD, ATOM -> 1;
            case ST, RED -> 0;
            default -> -1;
        };
        for (int k = 0; k < n; k++) {
            int kind = in.ops[k].kind;
            if ((kind == Opd.ADDR) != (k == addressAt)) {
                throw error(line, (k == addressAt ? "operand " + (k + 1) + " must be an address [...]" : "an address [...] is not an operand here")
                        + ": " + in.text);
            }
            if (kind == Opd.VEC && in.op != Op.LD && in.op != Op.ST && in.op != Op.MOV) throw error(line, "a vector {...} is not an operand here: " + in.text);
            if (kind == Opd.LABEL && in.op != Op.BRA) throw error(line, "a label is not an operand here: " + in.text);
            if (kind == Opd.PAIR && (k != 0 || in.op != Op.SETP && in.op != Op.SHFL)) {
                throw error(line, "a destination pair a|b is not an operand here: " + in.text);
            }
        }
        Opd vecDest = n > 0 && in.op != Op.ST ? in.ops[0] : null;
        if (vecDest != null && vecDest.kind == Opd.VEC) {
            for (Opd e : vecDest.elems) if (e.kind == Opd.IMM) throw error(line, "an immediate cannot be a destination: " + in.text);
        }
        if (in.op == Op.LD || in.op == Op.ST) {
            Opd data = in.ops[in.op == Op.LD ? 0 : 1];
            if (in.vec > 1 ? data.kind != Opd.VEC || data.elems.length != in.vec : data.kind == Opd.VEC) {
                throw error(line, (in.vec > 1 ? "a .v" + in.vec + " access needs a vector of " + in.vec + " registers"
                        : "a vector of registers needs .v2 or .v4") + ": " + in.text);
            }
        }
        boolean typed = switch (in.op) {
            case RET, EXIT, BRA, BAR, MEMBAR -> false;
            default -> true;
        };
        if (typed && in.type == null) throw error(line, "missing type in: " + in.text);
        if (in.op == Op.CVT && in.type2 == null) throw error(line, "cvt needs a destination and a source type: " + in.text);
        if ((in.op == Op.ATOM || in.op == Op.RED) && in.mode == null) throw error(line, "missing atomic operation in: " + in.text);
        if (in.op == Op.SETP && in.mode == null) throw error(line, "missing comparison in: " + in.text);
        if ((in.op == Op.SHFL || in.op == Op.VOTE) && in.mode == null) throw error(line, "missing mode in: " + in.text);
        if ((in.cc || in.carryIn) && (in.type == null || in.type.bits < 32 || in.type.isFloat() || in.type.kind == PtxType.Kind.BITS
                || in.sat || in.wide)) {
            throw error(line, "extended-precision arithmetic (.cc, addc, subc, madc) takes .u32, .s32, .u64 or .s64, without .sat or "
                    + ".wide: " + in.text);
        }
        if (in.type == PtxType.F16 && !(in.op == Op.LD || in.op == Op.ST || in.op == Op.CVT || in.op == Op.MOV)) {
            throw error(line, ".f16 is supported for storage only (ld, st, cvt, mov): " + in.text);
        }
    }
}
