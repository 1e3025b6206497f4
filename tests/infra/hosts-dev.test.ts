import { describeHosts } from "./hosts-assertions";

describeHosts("dev");
